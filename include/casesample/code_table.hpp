#pragma once
// A table of equally long rows stored end to end in one vector: the category codes of every case on every
// stratifier (rows: cases, columns: stratifiers), the categories and margin rows of every cell. One
// allocation whatever the number of stratifiers, and a row is a span.
#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <vector>

namespace casesample {

template <class T>
class RowTable {
public:
    RowTable() = default;
    explicit RowTable(std::size_t width) : width_(width) {}

    // Values per row. A table's width is fixed once it holds a row; an empty table with width 0 takes the
    // width of its first row.
    std::size_t width() const noexcept { return width_; }
    void set_width(std::size_t width) {
        if (!data_.empty() && width != width_) throw std::logic_error("RowTable: width changed with rows in it");
        width_ = width;
    }
    std::size_t size() const noexcept { return width_ == 0 ? 0 : data_.size() / width_; }
    bool empty() const noexcept { return data_.empty(); }

    std::span<const T> operator[](std::size_t r) const noexcept { return {data_.data() + r * width_, width_}; }
    std::span<T> operator[](std::size_t r) noexcept { return {data_.data() + r * width_, width_}; }

    void push_back(std::span<const T> row) {
        if (data_.empty() && width_ == 0) width_ = row.size();
        if (row.size() != width_) throw std::logic_error("RowTable: a row of the wrong width");
        data_.insert(data_.end(), row.begin(), row.end());
    }
    void push_back(std::initializer_list<T> row) { push_back(std::span<const T>(row.begin(), row.size())); }
    // Row `to` takes the values of row `from` (compaction: from >= to).
    void copy_row(std::size_t from, std::size_t to) noexcept {
        std::copy_n(data_.begin() + std::ptrdiff_t(from * width_), width_, data_.begin() + std::ptrdiff_t(to * width_));
    }
    void resize(std::size_t rows) { data_.resize(rows * width_); }
    void clear() noexcept { data_.clear(); }

    // The values, row after row.
    std::vector<T>& values() noexcept { return data_; }
    const std::vector<T>& values() const noexcept { return data_; }

    bool operator==(const RowTable& other) const = default;

    // Iteration over the rows, each a span.
    template <class V>
    class Iterator {
    public:
        Iterator(V* at, std::size_t width) : at_(at), width_(width) {}
        std::span<V> operator*() const noexcept { return {at_, width_}; }
        Iterator& operator++() noexcept {
            at_ += width_;
            return *this;
        }
        bool operator==(const Iterator& other) const noexcept { return at_ == other.at_; }

    private:
        V* at_;
        std::size_t width_;
    };
    Iterator<const T> begin() const noexcept { return {data_.data(), width_}; }
    Iterator<const T> end() const noexcept { return {data_.data() + data_.size(), width_}; }
    Iterator<T> begin() noexcept { return {data_.data(), width_}; }
    Iterator<T> end() noexcept { return {data_.data() + data_.size(), width_}; }

private:
    std::size_t width_ = 0;
    std::vector<T> data_;
};

}  // namespace casesample
