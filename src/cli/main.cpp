// casesample command line: builds the app from the registered subcommands, runs it, and maps errors
// to exit codes (0 success, 1 failure, 2 bad input or usage). All statistics live in the core library.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "casesample/error.hpp"
#include "command.hpp"

namespace casesample::cli {

std::vector<RegisteredCommand>& registered_commands() {
    static std::vector<RegisteredCommand> commands;
    return commands;
}

Registration::Registration(int order, SetupFunction setup) { registered_commands().push_back({order, setup}); }

CLI::Option* add_format_option(CLI::App& app, std::string& format, std::vector<std::string> choices) {
    std::string desc = "Output format:";
    for (const auto& c : choices) desc += " " + c;
    return app.add_option("--format", format, desc)->check(CLI::IsMember(choices))->capture_default_str();
}

// CLI11 hands an option that needs a value the next argument even when that argument is another option, so
// `draw ... --xlsx --html page.html` wrote the workbook to a file named "--html". Such a line is refused before it
// runs: the value was left out.
void refuse_option_as_value(CLI::App& app, int argc, char** argv) {
    CLI::App* sub = nullptr;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--") return;
        if (!sub) {
            for (auto* s : app.get_subcommands([](CLI::App*) { return true; }))
                if (s->check_name(arg)) sub = s;
            continue;
        }
        if (arg.size() < 2 || arg[0] != '-' || arg.find('=') != std::string::npos || i + 1 >= argc) continue;
        const CLI::Option* opt = sub->get_option_no_throw(arg);
        if (!opt || std::min(opt->get_type_size_min(), opt->get_items_expected_min()) <= 0) continue;
        const std::string next = argv[i + 1];
        if (next.size() < 2 || next[0] != '-') continue;
        const std::string name = next.substr(0, next.find('='));
        if (sub->get_option_no_throw(name) || name == "--help" || name == "-h")
            throw UsageError(arg + " needs a value, but the next argument is the option " + name +
                             ": give the value of " + arg + " first (e.g. " + arg + " VALUE " + next + ")");
        ++i;
    }
}

// The subcommand a command line names ("size" in `casesample size --confidence x`), "" when none: the help to
// point at after a mistake on it.
std::string subcommand_named(CLI::App& app, int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--") break;
        for (auto* s : app.get_subcommands([](CLI::App*) { return true; }))
            if (s->check_name(arg)) return s->get_name();
    }
    return "";
}

}  // namespace casesample::cli

int main(int argc, char** argv) {
    using namespace casesample;
    // Named, so --help shows "casesample" and not the path it was started from.
    CLI::App app{"casesample: samples and statistics for case-file inspections of youth offending services.\n"
                 "Draw a balanced fieldwork sample, size it, and judge how robust each rating is.",
                 "casesample"};
    app.set_version_flag("--version", std::string("casesample ") + CASESAMPLE_VERSION);
    app.require_subcommand(1);
    app.fallthrough(false);
    cli::Context context;
    auto commands = cli::registered_commands();
    std::sort(commands.begin(), commands.end(), [](auto& a, auto& b) { return a.order < b.order; });
    for (const auto& c : commands) c.setup(app, context);

    try {
        cli::refuse_option_as_value(app, argc, argv);
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "casesample: " << e.what() << "\n";
        const auto command = cli::subcommand_named(app, argc, argv);
        if (command.empty()) std::cerr << "Run 'casesample --help' for the commands ('casesample COMMAND --help' for a command's options).\n";
        else std::cerr << "Run 'casesample " << command << " --help' for its options.\n";
        return 2;
    } catch (const InputError& e) {
        std::cerr << e.what() << "\n";
        return 2;
    } catch (const UsageError& e) {
        std::cerr << "casesample: " << e.what() << "\n";
        return 2;
    } catch (const std::bad_alloc&) {
        std::cerr << "casesample: out of memory\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "casesample: " << e.what() << "\n";
        return 1;
    }
    return context.exit_code;
}
