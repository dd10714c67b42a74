#pragma once
// How far a rating can be trusted: what the unread cases of the population could hold, given the sample.
//
// Two tools, both for a finite population of N cases of which n were read:
//  - exact: the posterior predictive of the number of 'yes' among the N - n unread relevant cases,
//    beta-binomial with a Jeffreys prior: U ~ BetaBinomial(N - n, x + 1/2, n - x + 1/2), M = x + U;
//  - simulated: the Pólya posterior (finite-population Bayesian bootstrap over whole cases): the N - n unread
//    cases are drawn one by one from an urn holding the read cases, each drawn case going back with a copy,
//    so a case's answers to all questions travel together and their correlation is kept.
#include <cstdint>
#include <functional>
#include <vector>

#include "casesample/sampling.hpp"  // Engine

namespace casesample {

// P(M = x + u) for u = 0 .. N - n, where M is the population's count of 'yes' (exact; sums to 1).
// Requires 0 <= x <= n <= N, n >= 1. Throws UsageError otherwise.
std::vector<double> population_count_distribution(std::int64_t x, std::int64_t n, std::int64_t population);

// The beta-binomial pmf P(U = u), u = 0 .. trials, for U ~ BetaBinomial(trials, a, b): the number of 'yes'
// among `trials` draws from a Pólya urn started with weight a on 'yes' and b on 'no' (each draw adds one to the
// drawn colour). a = 0 (b > 0) is the point mass at 0, b = 0 (a > 0) the point mass at `trials`.
// Computed by the ratio recurrence P(u+1)/P(u) = (trials-u)(u+a) / ((u+1)(trials-u-1+b)) from the mode outwards
// and normalised, so it is stable for trials up to 10^8. Requires trials >= 0, a >= 0, b >= 0, a + b > 0, all
// finite; throws UsageError otherwise.
std::vector<double> beta_binomial_pmf(std::int64_t trials, double a, double b);

// Answers of the read cases of one domain to its key questions.
struct DomainAnswers {
    std::int64_t population = 0;     // N, cases in the domain's eligible population (>= read cases)
    std::size_t questions = 0;       // Q
    std::vector<std::int8_t> answers;  // read cases x Q, row-major: 1 yes, 0 no, -1 not relevant
    std::size_t cases() const noexcept { return questions == 0 ? 0 : answers.size() / questions; }
};

struct QuestionTotals {
    std::int64_t yes = 0;
    std::int64_t relevant = 0;
};

// One simulated population: totals[d][q] for domain d, question q.
using SimulatedTotals = std::vector<std::vector<QuestionTotals>>;

// Runs `draws` Pólya-posterior populations over whole cases and calls visit() with each one's totals.
void polya_posterior(const std::vector<DomainAnswers>& domains, std::size_t draws, Engine& engine,
                     const std::function<void(const SimulatedTotals&)>& visit);

// Aggregate counts only (no case-level answers): each question on its own, its population's relevant cases
// fixed at `relevant_population[d][q]` and the unread ones drawn from a Pólya urn of its x 'yes' and n - x 'no'.
// Questions are independent here, which the caller must say in its output.
void polya_posterior_independent(const std::vector<std::vector<QuestionTotals>>& sample_totals,
                                 const std::vector<std::vector<std::int64_t>>& relevant_population,
                                 std::size_t draws, Engine& engine,
                                 const std::function<void(const SimulatedTotals&)>& visit);

// Monte Carlo standard error of a probability estimated from `draws` simulations.
double monte_carlo_error(double probability, std::size_t draws);

}  // namespace casesample
