/* Internal layout of the mean-field VI object, shared by the csrc/vi files. */
#ifndef BAYESKIT_VI_INTERNAL_H
#define BAYESKIT_VI_INTERNAL_H

#include "bayeskit/vi.h"
#include "../nn/nn_internal.h"

/* Below this many multiply-adds per step (rows x parameters x draws) the K
 * draws run serially: an OpenMP fork costs more than it saves. */
#define BK_VI_PARALLEL_MIN_WORK 32768

struct bk_vi {
    bk_net *net;        /* own copy */
    bk_likelihood lik;
    bk_vi_config cfg;
    size_t n, d, q;     /* rows, input columns, y columns */
    size_t P, D;        /* network weights, model parameters (P or P + 1) */
    size_t K, B;        /* draws per step, rows per step */
    int parallel_ok;    /* no layer uses BLAS at B rows */
    double *x, *y;      /* copies, n x d and n x q */
    double *xb, *yb;    /* gathered minibatch, B x d and B x q */
    double *prior_mean, *prior_std; /* D each */
    double *sigma;      /* D: sigma of the current phi */
    double *eps, *w, *g; /* K x D each: draws, weights, log-likelihood gradients */
    double *ll, *klmc;  /* K each */
    bk_net_work **ws;   /* K workspaces of B rows */
    bk_rng **rng;       /* K generators */
    /* Early stopping (bk_vi_set_validation): held-out rows, patience, history. */
    size_t nval, patience, best_epoch;
    double *xval, *yval, *val_hist, *best_phi;
    bk_net_work *wsval;
    bk_error err;
};

#endif
