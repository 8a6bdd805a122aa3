/* Internal helpers of the approx family (masks shared by training and MC dropout). */
#ifndef BAYESKIT_APPROX_INTERNAL_H
#define BAYESKIT_APPROX_INTERNAL_H

#include "bayeskit/approx.h"
#include "../nn/nn_internal.h"

/* Mask buffers for passes of up to `rows` rows: layer[l] (w_{l+1} x rows,
 * NULL where the rate is 0) and, with DropConnect, the weight mask and the
 * masked weights (P values each). */
typedef struct bk_approx_masks {
    double **layer;
    double *wmask;
    double *theta;
    int any;
} bk_approx_masks;

/* Checks dropout rates (L - 1 values or NULL) and the DropConnect rate. */
int bk_approx_rates_check(const bk_net *net, const double *rates, size_t nrates, double dropconnect, bk_error *err);
/* BK_SUCCESS or BK_ENOMEM; free with bk_approx_masks_free even on failure. */
int bk_approx_masks_alloc(const bk_net *net, const double *rates, double dropconnect, size_t rows,
                          bk_approx_masks *mk);
void bk_approx_masks_free(const bk_net *net, bk_approx_masks *mk);
/* Draws every mask of one pass over `rows` rows from `rng` (layers in order,
 * then the weight mask) and returns the weights to use: theta itself, or the
 * DropConnect-masked copy. */
const double *bk_approx_masks_draw(bk_rng *rng, const bk_net *net, const double *rates, double dropconnect,
                                   size_t rows, const double *theta, bk_approx_masks *mk);

#endif
