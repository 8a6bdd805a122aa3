/*
 * Categorical distribution over {0, ..., k-1}. Sampling uses Walker's alias
 * method (gsl_ran_discrete: O(k) set-up per call, O(1) per draw).
 */
#include "dist_internal.h"
#include "rng_internal.h"

#include <gsl/gsl_randist.h>

int bk_categorical_normalize(size_t k, const double *weights, double *probs, bk_error *err) {
    bk_init();
    if (k == 0) return bk_error_set(err, BK_EINVAL, "Categorical needs at least 1 probability, got 0");
    if (!weights || !probs) return bk_error_set(err, BK_EINVAL, "Categorical probability pointer is NULL");
    double sum = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (!(weights[i] >= 0.0) || !isfinite(weights[i]))
            return bk_error_set(err, BK_EINVAL,
                                "Categorical probability %zu must be non-negative and finite, got %g", i, weights[i]);
        sum += weights[i];
    }
    if (!(sum > 0.0) || !isfinite(sum))
        return bk_error_set(err, BK_EINVAL, "Categorical probabilities must have a positive finite sum, got %g", sum);
    for (size_t i = 0; i < k; i++) probs[i] = weights[i] / sum;
    return BK_SUCCESS;
}

double bk_categorical_logpmf(size_t k, const double *probs, size_t x) {
    return x < k ? log(probs[x]) : -INFINITY;
}

int bk_categorical_sample(bk_rng *rng, size_t k, const double *probs, size_t n, size_t *out, bk_error *err) {
    bk_init();
    if (k == 0) return bk_error_set(err, BK_EINVAL, "Categorical needs at least 1 probability, got 0");
    if (n == 0) return BK_SUCCESS;
    if (!rng || !probs || !out) return bk_error_set(err, BK_EINVAL, "random stream or array pointer is NULL");
    gsl_ran_discrete_t *table = gsl_ran_discrete_preproc(k, probs);
    if (!table)
        return bk_error_set(err, BK_EINVAL, "Categorical probabilities were rejected by gsl_ran_discrete_preproc");
    gsl_rng *r = bk_rng_gsl(rng);
    for (size_t i = 0; i < n; i++) out[i] = gsl_ran_discrete(r, table);
    gsl_ran_discrete_free(table);
    return BK_SUCCESS;
}
