# The analysis `embolo run` makes with inputs/net_sample_155.study.ini, done in R (survival, nnet) on the
# same cohort file, for bench/run.sh to time against the C pipeline. Not a dependency of the build or
# the tests, and not a reference for them (tests/fixtures/data holds R's reference results).
#
#   Rscript bench/bench.R COHORT.csv OUTDIR      # writes OUTDIR/results_R.csv and OUTDIR/patients_R.csv
#   BENCH_R_OUTPUTS=1 Rscript bench/bench.R ...   # also the outputs a full analysis writes: figures_R.pdf
#                                                 # (the 12 Kaplan-Meier figures: survminer's ggsurvplot
#                                                 # with the survminer package, else base graphics) and,
#                                                 # with the openxlsx package, tables_R.xlsx (results,
#                                                 # patients, KM curves sheets)
#
# results_R.csv has embolo's layout (section,endpoint,model,variable,level,stat,value: the contract
# shared/spec/results-csv.md) and the stats of the contract that R gives (not table1); bench/compare_r.py
# compares it with embolo's results.csv for the same cohort.
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

# ---- results, in embolo's layout (shared/spec/results-csv.md) ----
# One line per estimate: section, endpoint, model, variable, level, stat, value, with the variable and
# level names of the study file (a Cox coefficient of a factor: the variable and its non-reference level;
# a subgroup: the variable and its level), so that bench/compare_r.py compares key by key with
# embolo's results.csv. Values are written with %.12g, as embolo writes them.
results <- list()
km_fits <- list()
# values: a named vector (the names are the stats).
add <- function(section, endpoint, model, variable, level, values, stat = names(values)) {
    if (length(values) == 0) return(invisible())
    results[[length(results) + 1]] <<- data.frame(section = section, endpoint = endpoint, model = model,
        variable = variable, level = level, stat = stat, value = unname(as.numeric(values)),
        stringsAsFactors = FALSE)
}
formula_of <- function(endpoint, variables)
    as.formula(paste0("Surv(", endpoint, "_time, ", endpoint, "_event) ~ ", paste(variables, collapse = " + ")))

# Kaplan-Meier of `fit` (survfit of data `data`, by `variable` or, for "all", overall): per group the
# unweighted n and events, the median and its CI (print.survfit's rule), survival and CI at the landmarks
# (none past a group's last time: extend = FALSE).
km_results <- function(fit, data, endpoint, model, variable) {
    table <- summary(fit)$table
    if (is.null(dim(table))) table <- t(table)
    at <- summary(fit, times = landmarks, extend = FALSE)
    event <- data[[paste0(endpoint, "_event")]]
    for (i in seq_len(nrow(table))) {
        if (variable == "all") {
            level <- ""
            rows <- rep(TRUE, nrow(data))
            here <- rep(TRUE, length(at$time))
        } else {
            prefix <- paste0(variable, "=")
            stratum <- rownames(table)[i]
            if (substr(stratum, 1, nchar(prefix)) != prefix) stop("unexpected stratum ", stratum)
            level <- substring(stratum, nchar(prefix) + 1)
            rows <- !is.na(data[[variable]]) & data[[variable]] == level
            here <- as.character(at$strata) == stratum
        }
        add("km", endpoint, model, variable, level,
            c(n = sum(rows), events = sum(event[rows]), median = table[[i, "median"]],
              median_lower = table[[i, "0.95LCL"]], median_upper = table[[i, "0.95UCL"]]))
        label <- sprintf("%g", at$time[here])
        add("km", endpoint, model, variable, level, at$surv[here], paste0("surv@", label))
        add("km", endpoint, model, variable, level, at$lower[here], paste0("surv_lower@", label))
        add("km", endpoint, model, variable, level, at$upper[here], paste0("surv_upper@", label))
    }
}

# Cox model `fit` of `variables`: per coefficient (numeric variable: level ""; factor: each non-reference
# level, R's coefficient VARIABLELEVEL) coef, se (robust for weighted fits), naive_se (weighted), hr and
# its CI, z, p; the joint Wald test of each factor with several coefficients (robust variance for weighted
# fits); the model's n, events, log-likelihoods, tests and (unweighted) concordance.
cox_results <- function(fit, endpoint, model, variables, weighted = FALSE) {
    b <- coef(fit)
    v <- vcov(fit)
    z975 <- qnorm(0.975)
    for (variable in variables) {
        levels_of <- if (is.factor(d[[variable]])) levels(d[[variable]])[-1] else ""
        names_of <- paste0(variable, levels_of)
        if (!all(names_of %in% names(b))) stop("no coefficient ", setdiff(names_of, names(b))[1])
        for (k in seq_along(names_of)) {
            name <- names_of[k]
            se <- sqrt(v[name, name])
            z <- b[[name]] / se
            values <- c(coef = b[[name]], se = se)
            i <- match(name, names(b))
            if (weighted) values <- c(values, naive_se = sqrt(fit$naive.var[i, i]))
            add("cox", endpoint, model, variable, levels_of[k],
                c(values, hr = exp(b[[name]]), hr_lower = exp(b[[name]] - z975 * se),
                  hr_upper = exp(b[[name]] + z975 * se), z = z, p = 2 * pnorm(-abs(z))))
        }
        if (length(names_of) > 1) {
            chisq <- drop(t(b[names_of]) %*% solve(v[names_of, names_of], b[names_of]))
            add("cox", endpoint, model, variable, "",
                c(wald_global_chisq = chisq, wald_global_df = length(names_of),
                  wald_global_p = pchisq(chisq, length(names_of), lower.tail = FALSE)))
        }
    }
    # From the fit, not summary(): summary.coxph rounds the Wald statistic to 2 decimals.
    values <- c(n = fit$n, events = fit$nevent, loglik_null = fit$loglik[[1]], loglik = fit$loglik[[2]],
                wald_chisq = fit$wald.test[[1]])
    if (weighted) {
        values <- c(values, robust_score_chisq = fit$rscore[[1]])
    } else {
        lr <- 2 * (fit$loglik[[2]] - fit$loglik[[1]])
        lr_df <- sum(!is.na(b))
        values <- c(values, lr_chisq = lr, lr_df = lr_df, lr_p = pchisq(lr, lr_df, lower.tail = FALSE),
                    score_chisq = fit$score[[1]], concordance = fit$concordance[["concordance"]],
                    concordance_se = fit$concordance[["std"]])
    }
    add("cox", endpoint, model, "", "", values)
}

# ---- propensity model and weights (fitted once, on the complete cases of its covariates) ----
# multinom (BFGS) stops short of the optimum: with its defaults the weights are up to 4e-4 (relative) from
# the maximum-likelihood fit at n = 155; even with reltol = 1e-15 its score is 1e-2 and the weights 1.5e-7
# off at n = 100,000, which the near-zero weighted SMDs of the balance table magnify to 6e-5. Newton-Raphson
# steps from its coefficients reach the maximum-likelihood fit, which embolo and the reference files
# (shared/data/README.md) compute.
ps_rows <- complete.cases(d[, c("modality", ps_covariates)])
ps_data <- d[ps_rows, ]
ps_formula <- as.formula(paste("modality ~", paste(ps_covariates, collapse = " + ")))
ps_fit <- multinom(ps_formula, data = ps_data, trace = FALSE, maxit = 1000)
multinom_newton <- function(fit, data) {
    x <- model.matrix(delete.response(terms(fit)), data)
    y <- sapply(fit$lev, function(l) as.numeric(data$modality == l))
    beta <- coef(fit)
    # covariates x (groups - 1)
    beta <- if (is.matrix(beta)) t(beta) else matrix(beta, ncol = 1, dimnames = list(names(beta), NULL))
    if (nrow(beta) != ncol(x) || any(rownames(beta) != colnames(x))) stop("propensity model: columns differ")
    k <- ncol(beta)
    p <- ncol(x)
    probabilities <- function(beta) {
        eta <- cbind(0, x %*% beta)
        e <- exp(eta - apply(eta, 1, max))
        e / rowSums(e)
    }
    for (iteration in 1:50) {
        prob <- probabilities(beta)
        score <- c(crossprod(x, (y - prob)[, -1, drop = FALSE]))
        information <- matrix(0, k * p, k * p)
        for (a in 1:k) for (b in 1:k)
            information[(a - 1) * p + 1:p, (b - 1) * p + 1:p] <-
                crossprod(x, x * (prob[, a + 1] * ((a == b) - prob[, b + 1])))
        step <- solve(information, score)
        beta <- beta + matrix(step, p, k)
        if (max(abs(step)) <= 1e-12 * max(1, max(abs(beta)))) break
    }
    if (iteration == 50) warning("propensity model: Newton-Raphson did not converge")
    prob <- probabilities(beta)
    colnames(prob) <- fit$lev
    prob
}
ps <- multinom_newton(ps_fit, ps_data)
received <- ps[cbind(seq_len(nrow(ps)), as.integer(ps_data$modality))]
share <- as.numeric(table(ps_data$modality)[as.integer(ps_data$modality)]) / nrow(ps_data)
d$w <- NA_real_
d$w_stabilized <- NA_real_
d$w[ps_rows] <- 1 / received
d$w_stabilized[ps_rows] <- share / received
add("ps", "", "", "modality", "", c(n = nrow(ps_data), loglik = sum(log(received))))
for (k in levels(d$modality)) {
    wk <- d$w[ps_rows & d$modality == k]
    add("ps", "", "", "modality", k, c(n = length(wk), sum_w = sum(wk), ess = sum(wk)^2 / sum(wk^2), max_w = max(wk)))
}

# Balance: max |SMD| over pairs of treatment groups, before and after weighting, per covariate: a numeric
# one itself, a factor the indicator of each of its levels (the reference level too).
groups <- ps_data$modality
w <- d$w[ps_rows]
pairs <- combn(levels(groups), 2)
for (covariate in ps_covariates) {
    column <- ps_data[[covariate]]
    if (is.factor(column)) {
        levels_of <- levels(column)
        columns <- lapply(levels_of, function(l) as.numeric(column == l))
    } else {
        levels_of <- ""
        columns <- list(as.numeric(column))
    }
    for (j in seq_along(columns)) {
        x <- columns[[j]]
        smd <- c(unweighted = 0, weighted = 0)
        for (p in seq_len(ncol(pairs))) {
            a <- groups == pairs[1, p]
            b <- groups == pairs[2, p]
            sd_pooled <- sqrt((var(x[a]) + var(x[b])) / 2)
            if (!is.finite(sd_pooled) || sd_pooled == 0) next
            smd["unweighted"] <- max(smd["unweighted"], abs(mean(x[a]) - mean(x[b])) / sd_pooled)
            smd["weighted"] <- max(smd["weighted"],
                abs(weighted.mean(x[a], w[a]) - weighted.mean(x[b], w[b])) / sd_pooled)
        }
        add("balance", "", "unweighted", covariate, levels_of[j], c(max_abs_smd = smd[["unweighted"]]))
        add("balance", "", "weighted", covariate, levels_of[j], c(max_abs_smd = smd[["weighted"]]))
    }
}

# ---- per endpoint ----
for (endpoint in c("hpfs", "os")) {
    time <- d[[paste0(endpoint, "_time")]]
    event <- d[[paste0(endpoint, "_event")]]
    reverse <- survfit(Surv(time, 1 - event) ~ 1)
    add("followup", endpoint, "reverse_km", "all", "",
        setNames(summary(reverse)$table[c("median", "0.95LCL", "0.95UCL")], c("median", "median_lower", "median_upper")))
    overall <- survfit(formula_of(endpoint, "1"), data = d)
    km_fits[[paste(endpoint, "all")]] <- list(fit = overall, data = d)
    km_results(overall, d, endpoint, "unweighted", "all")
    for (v in subgroups) {
        fit <- survfit(formula_of(endpoint, v), data = d)
        km_fits[[paste(endpoint, v)]] <- list(fit = fit, data = d)
        km_results(fit, d, endpoint, "unweighted", v)
        lr <- survdiff(formula_of(endpoint, v), data = d)
        df <- sum(lr$exp > 0) - 1
        add("logrank", endpoint, "", v, "", c(chisq = lr$chisq, df = df,
                                              p = pchisq(lr$chisq, df, lower.tail = FALSE)))
    }
    for (v in univariate)
        cox_results(coxph(formula_of(endpoint, v), data = d, ties = "efron"), endpoint, paste0("univariate:", v), v)
    multi <- coxph(formula_of(endpoint, multivariable), data = d, ties = "efron")
    cox_results(multi, endpoint, "multivariable", multivariable)
    cox_results(coxph(formula_of(endpoint, multivariable), data = d, ties = "breslow"), endpoint,
                "multivariable_breslow", multivariable)
    zph <- cox.zph(multi, transform = "km")
    for (term in rownames(zph$table))
        add("zph", endpoint, "multivariable", term, "", zph$table[term, c("chisq", "df", "p")])

    # Weighted analyses on the rows with a weight.
    dw <- d[ps_rows, ]
    weighted <- survfit(formula_of(endpoint, "modality"), data = dw, weights = w)
    km_fits[[paste(endpoint, "weighted modality")]] <- list(fit = weighted, data = dw)
    km_results(weighted, dw, endpoint, "weighted", "modality")
    cox_results(coxph(formula_of(endpoint, "modality"), data = dw, weights = w, robust = TRUE), endpoint,
                "weighted_univariate", "modality", weighted = TRUE)
    cox_results(coxph(formula_of(endpoint, multivariable), data = dw, weights = w, robust = TRUE), endpoint,
                "weighted_multivariable", multivariable, weighted = TRUE)
}

# ---- outputs ----
out <- do.call(rbind, results)
out$value <- ifelse(is.na(out$value), "NA", sprintf("%.12g", out$value))
write.csv(out, file.path(out_dir, "results_R.csv"), row.names = FALSE)
patients <- d[, c("patient_id", "hpfs_time", "hpfs_event", "os_time", "os_event", univariate, "w", "w_stabilized")]
patients <- cbind(patients[ps_rows, ], ps)
write.csv(patients, file.path(out_dir, "patients_R.csv"), row.names = FALSE)

# ---- the report's figures and the workbook, as a full analysis writes them (BENCH_R_OUTPUTS=1) ----
if (Sys.getenv("BENCH_R_OUTPUTS") == "1") {
    curves <- list()
    pdf(file.path(out_dir, "figures_R.pdf"), width = 8, height = 6)
    # With survminer (the figures a survminer user makes: curves with censor marks, confidence bands
    # and the number-at-risk table); else base graphics.
    survminer <- requireNamespace("survminer", quietly = TRUE)
    for (name in names(km_fits)) {
        fit <- km_fits[[name]]$fit
        if (survminer) {
            print(survminer::ggsurvplot(fit, data = km_fits[[name]]$data, conf.int = TRUE, censor = TRUE,
                                        risk.table = TRUE, title = name, xlab = "Months"))
        } else {
            plot(fit, conf.int = FALSE, mark.time = TRUE, col = seq_along(fit$strata), main = name,
                 xlab = "Months", ylab = "Survival")
        }
        steps <- summary(fit, censored = TRUE)
        curves[[name]] <- data.frame(curve = name, strata = if (is.null(steps$strata)) "all" else as.character(steps$strata),
                                     time = steps$time, n_risk = steps$n.risk, n_event = steps$n.event,
                                     surv = steps$surv, lower = steps$lower, upper = steps$upper)
    }
    invisible(dev.off())
    if (requireNamespace("openxlsx", quietly = TRUE))
        openxlsx::write.xlsx(list(Results = out, Patients = patients, KM_curves = do.call(rbind, curves)),
                             file.path(out_dir, "tables_R.xlsx"))
}
