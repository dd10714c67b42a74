# R peer of `casesample draw`, package sampling.
# usage: Rscript draw_peer_r.R POPULATION.csv OUT.txt COURT_N OOC_N SEED METHOD
#   METHOD strata: strata(..., method = "srswor") over the cross-classification cells of each domain, with
#                  proportional cell sizes (rounded);
#   METHOD cube:   samplecube() balancing on the category indicators of the four stratifiers (equal
#                  probabilities n/N), domain by domain.
suppressMessages(library(sampling))
a <- commandArgs(trailingOnly = TRUE)
pop <- a[1]; out <- a[2]; sizes <- c(court = as.numeric(a[3]), "out-of-court" = as.numeric(a[4]))
set.seed(as.integer(a[5])); method <- a[6]
ooc <- c("Youth Caution", "Youth Conditional Caution", "Community Resolution", "Triage", "Outcome 22")
d <- read.csv(pop, stringsAsFactors = FALSE, colClasses = "character")
d$domain <- ifelse(d$disposal_type %in% ooc, "out-of-court", "court")
strata_vars <- c("disposal_type", "gender", "rosh", "swb")
ids <- character(0)
for (dom in names(sizes)) {
  x <- d[d$domain == dom, ]
  n <- sizes[[dom]]; N <- nrow(x)
  if (method == "strata") {
    x <- x[do.call(order, x[strata_vars]), ]
    key <- do.call(paste, c(x[strata_vars], sep = "\r"))
    Nh <- rle(key)$lengths
    nh <- round(Nh * n / N)
    keep <- nh > 0
    x <- x[rep(keep, Nh), ]
    s <- strata(x, stratanames = strata_vars, size = nh[keep], method = "srswor")
    ids <- c(ids, getdata(x, s)$case_id)
  } else {
    X <- do.call(cbind, lapply(strata_vars, function(v) model.matrix(~ 0 + factor(x[[v]]))))
    pik <- rep(n / N, N)
    X <- cbind(pik, X)
    s <- samplecube(X, pik, order = 1, comment = FALSE)
    ids <- c(ids, x$case_id[s > 0.5])
  }
}
writeLines(ids, out)
