# The analysis `embolo run` makes with inputs/net_sample_155.study.ini, done in R (survival, nnet) on the
# same cohort file, for bench/run.sh to time against the C pipeline. Not a dependency of the build or
# the tests, and not a reference for them (tests/fixtures/data holds R's reference results).
#
#   Rscript bench/bench.R COHORT.csv OUTDIR      # writes OUTDIR/results_R.csv and OUTDIR/patients_R.csv
#
# The calls are those of shared/data/README.md: survfit (log CIs, landmarks), survdiff, coxph (Efron;
# Breslow for the multivariable model) with concordance, cox.zph(transform = "km"), nnet::multinom
# propensity model, ATE and stabilized weights, balance (max |SMD| before/after weighting), weighted
# survfit and coxph(weights = w, robust = TRUE).
suppressPackageStartupMessages({
    library(survival)
    library(nnet)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript bench/bench.R COHORT.csv OUTDIR")
input <- args[1]
out_dir <- args[2]
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

landmarks <- c(12, 24, 36, 60)
month <- 365.25 / 12

# ---- ingest and clean (the study file's rules for this cohort) ----
d <- read.csv(input, stringsAsFactors = FALSE, na.strings = c("", "NA"),
              colClasses = c(notes = "character"))
day <- function(x) as.numeric(as.Date(x, format = "%Y-%m-%d"))
start <- day(d$treatment_date)
progression <- day(d$hepatic_progression_date)
death <- day(d$death_date)
followup <- day(d$last_followup_date)
hpfs_end <- pmin(progression, death, na.rm = TRUE)
d$hpfs_event <- as.integer(!is.na(hpfs_end))
d$hpfs_time <- (ifelse(is.na(hpfs_end), followup, hpfs_end) - start) / month
d$os_event <- as.integer(!is.na(death))
d$os_time <- (ifelse(is.na(death), followup, death) - start) / month

yes_no <- function(x) factor(tolower(x), levels = c("no", "yes"))
d$age[which(d$age < 18 | d$age > 100)] <- NA
d$sex <- factor(d$sex, levels = c("F", "M"))
d$primary_site <- factor(d$primary_site, levels = c("pancreas", "gut", "lung", "other"))
d$grade <- factor(d$grade, levels = c("G1", "G2", "G3"))
d$burden <- factor(ifelse(d$tumor_burden_pct > 50, ">50", "<=50"), levels = c("<=50", ">50"))
d$extrahepatic_disease <- yes_no(d$extrahepatic_disease)
d$hormonal_syndrome <- yes_no(d$hormonal_syndrome)
d$prior_liver_surgery <- yes_no(d$prior_liver_surgery)
d$modality <- factor(d$modality, levels = c("TACE", "TARE", "TAE"))

subgroups <- c("grade", "burden", "primary_site", "modality")
univariate <- c("age", "sex", "primary_site", "grade", "burden", "extrahepatic_disease",
                "hormonal_syndrome", "prior_liver_surgery", "modality")
multivariable <- c("age", "sex", "primary_site", "grade", "burden", "extrahepatic_disease", "modality")
ps_covariates <- c("age", "sex", "primary_site", "grade", "burden", "extrahepatic_disease")

# ---- results, gathered as (section, endpoint, model, variable, stat, value) ----
results <- list()
# values: a named vector (the names are the stats) or, with stat given, one stat per variable.
add <- function(section, endpoint, model, variable, values, stat = names(values)) {
    results[[length(results) + 1]] <<- data.frame(section = section, endpoint = endpoint, model = model,
        variable = variable, stat = stat, value = unname(values), stringsAsFactors = FALSE)
}
surv_of <- function(endpoint) Surv(d[[paste0(endpoint, "_time")]], d[[paste0(endpoint, "_event")]])
formula_of <- function(endpoint, variables)
    as.formula(paste0("Surv(", endpoint, "_time, ", endpoint, "_event) ~ ", paste(variables, collapse = " + ")))

km_results <- function(fit, endpoint, model, variable) {
    table <- summary(fit)$table
    if (is.null(dim(table))) table <- t(table)
    for (i in seq_len(nrow(table)))
        add("km", endpoint, model, paste(variable, rownames(table)[i]),
            table[i, c("records", "events", "median", "0.95LCL", "0.95UCL")])
    at <- summary(fit, times = landmarks, extend = FALSE)
    add("km", endpoint, model, paste(variable, "landmarks"), c(surv = at$surv, lower = at$lower, upper = at$upper))
}

cox_results <- function(fit, endpoint, model) {
    s <- summary(fit)
    for (stat in c("coef", "se(coef)", "Pr(>|z|)"))
        add("cox", endpoint, model, rownames(s$coefficients), s$coefficients[, stat], stat)
    for (stat in c("lower .95", "upper .95"))
        add("cox", endpoint, model, rownames(s$conf.int), s$conf.int[, stat], stat)
    add("cox", endpoint, model, "model",
        c(n = s$n, events = s$nevent, loglik = fit$loglik[2], lr = s$logtest[["test"]],
          wald = s$waldtest[["test"]], score = s$sctest[["test"]],
          concordance = s$concordance[[1]], concordance_se = s$concordance[[2]]))
}

# ---- propensity model and weights (fitted once, on the complete cases of its covariates) ----
ps_rows <- complete.cases(d[, c("modality", ps_covariates)])
ps_data <- d[ps_rows, ]
ps_fit <- multinom(as.formula(paste("modality ~", paste(ps_covariates, collapse = " + "))),
                   data = ps_data, trace = FALSE, maxit = 1000)
ps <- fitted(ps_fit)
if (is.null(dim(ps))) ps <- cbind(1 - ps, ps)
received <- ps[cbind(seq_len(nrow(ps)), as.integer(ps_data$modality))]
share <- as.numeric(table(ps_data$modality)[as.integer(ps_data$modality)]) / nrow(ps_data)
d$w <- NA_real_
d$w_stabilized <- NA_real_
d$w[ps_rows] <- 1 / received
d$w_stabilized[ps_rows] <- share / received
for (k in levels(d$modality)) {
    wk <- d$w[ps_rows & d$modality == k]
    add("ps", "", "", k, c(n = length(wk), sum_w = sum(wk), ess = sum(wk)^2 / sum(wk^2), max_w = max(wk)))
}

# Balance: max |SMD| over pairs of treatment groups, per covariate column, before and after weighting.
x <- model.matrix(as.formula(paste("~", paste(ps_covariates, collapse = " + "))), ps_data)[, -1, drop = FALSE]
groups <- ps_data$modality
w <- d$w[ps_rows]
pairs <- combn(levels(groups), 2)
for (j in seq_len(ncol(x))) {
    smd <- c(unweighted = 0, weighted = 0)
    for (p in seq_len(ncol(pairs))) {
        a <- groups == pairs[1, p]
        b <- groups == pairs[2, p]
        sd_pooled <- sqrt((var(x[a, j]) + var(x[b, j])) / 2)
        if (!is.finite(sd_pooled) || sd_pooled == 0) next
        smd["unweighted"] <- max(smd["unweighted"], abs(mean(x[a, j]) - mean(x[b, j])) / sd_pooled)
        smd["weighted"] <- max(smd["weighted"],
            abs(weighted.mean(x[a, j], w[a]) - weighted.mean(x[b, j], w[b])) / sd_pooled)
    }
    add("balance", "", "", colnames(x)[j], smd)
}

# ---- per endpoint ----
for (endpoint in c("hpfs", "os")) {
    time <- d[[paste0(endpoint, "_time")]]
    event <- d[[paste0(endpoint, "_event")]]
    reverse <- survfit(Surv(time, 1 - event) ~ 1)
    add("followup", endpoint, "reverse_km", "all", summary(reverse)$table[c("median", "0.95LCL", "0.95UCL")])
    km_results(survfit(Surv(time, event) ~ 1), endpoint, "unweighted", "all")
    for (v in subgroups) {
        km_results(survfit(formula_of(endpoint, v), data = d), endpoint, "unweighted", v)
        lr <- survdiff(formula_of(endpoint, v), data = d)
        add("logrank", endpoint, "", v, c(chisq = lr$chisq, df = length(lr$n) - 1,
                                          p = pchisq(lr$chisq, length(lr$n) - 1, lower.tail = FALSE)))
    }
    for (v in univariate)
        cox_results(coxph(formula_of(endpoint, v), data = d, ties = "efron"), endpoint, paste0("univariate:", v))
    multi <- coxph(formula_of(endpoint, multivariable), data = d, ties = "efron")
    cox_results(multi, endpoint, "multivariable")
    cox_results(coxph(formula_of(endpoint, multivariable), data = d, ties = "breslow"), endpoint,
                "multivariable_breslow")
    zph <- cox.zph(multi, transform = "km")
    add("zph", endpoint, "multivariable", rownames(zph$table), zph$table[, "p"], "p")

    # Weighted analyses on the rows with a weight.
    dw <- d[ps_rows, ]
    km_results(survfit(formula_of(endpoint, "modality"), data = dw, weights = w), endpoint, "weighted", "modality")
    cox_results(coxph(formula_of(endpoint, "modality"), data = dw, weights = w, robust = TRUE), endpoint,
                "weighted_univariate")
    cox_results(coxph(formula_of(endpoint, multivariable), data = dw, weights = w, robust = TRUE), endpoint,
                "weighted_multivariable")
}

# ---- outputs ----
write.csv(do.call(rbind, results), file.path(out_dir, "results_R.csv"), row.names = FALSE)
patients <- d[, c("patient_id", "hpfs_time", "hpfs_event", "os_time", "os_event", univariate, "w", "w_stabilized")]
patients <- cbind(patients[ps_rows, ], ps)
write.csv(patients, file.path(out_dir, "patients_R.csv"), row.names = FALSE)
