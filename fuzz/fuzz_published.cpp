// A published table (id, value) and the audit of it, with small case counts so that one input stays fast.
#include "casesample/framework.hpp"
#include "casesample/report_audit.hpp"
#include "fuzz_common.hpp"

CASESAMPLE_FUZZ_TARGET({
    const auto& fw = casesample::Framework::builtin();
    auto table = casesample::parse_published("published.csv", text, fw);
    casesample::AuditOptions options;
    options.cases = {{1, 12}, {2, 9}};
    options.population = {{1, 20}, {2, 15}};
    (void)casesample::audit_published(fw, table, options);
})
