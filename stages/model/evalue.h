/* E-values for unmeasured confounding (VanderWeele & Ding 2017, Ann Intern Med 167:268) of a hazard
 * ratio, with the common-outcome conversion (VanderWeele 2020; R's EValue::evalues.HR(rare = FALSE)).
 * Internal to the model stage. */
#ifndef EMBOLO_EVALUE_H
#define EMBOLO_EVALUE_H

/* The E-value of a risk ratio (>= 1; one below 1 is inverted): RR + sqrt(RR (RR - 1)). */
double evalue_rr(double rr);

/* The risk ratio that a hazard ratio stands for when the outcome is common:
 * (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)). */
double evalue_hr_to_rr(double hr);

/* E-value of a hazard ratio; NAN when hr is NAN, 0 or infinite. */
double evalue_hr(double hr);

/* E-value of the confidence limit closer to 1: 1 when lower <= 1 <= upper (an infinite upper limit
 * counts as including 1); NAN when hr is not a finite positive number. */
double evalue_hr_ci(double hr, double lower, double upper);

#endif
