/*
 * Dense network spec: widths, activations, flat parameter layout and names,
 * default initialisation. The layout is documented in include/bayeskit/nn.h.
 */
#include "nn_internal.h"
#include "rng_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *bk_activation_name(int act) {
    switch (act) {
    case BK_ACT_IDENTITY: return "identity";
    case BK_ACT_RELU: return "relu";
    case BK_ACT_TANH: return "tanh";
    case BK_ACT_SIGMOID: return "sigmoid";
    case BK_ACT_SOFTPLUS: return "softplus";
    case BK_ACT_SIN: return "sin";
    default: return NULL;
    }
}

void bk_net_free(bk_net *net) {
    if (!net) return;
    free(net->widths);
    free(net->woff);
    free(net->acts);
    free(net);
}

int bk_net_alloc(size_t nwidths, const size_t *widths, size_t nacts, const int *acts, bk_net **out, bk_error *err) {
    bk_init();
    if (!out) return bk_error_set(err, BK_EINVAL, "output pointer is NULL");
    if (nwidths < 2)
        return bk_error_set(err, BK_EINVAL, "a network needs at least 2 layer widths (inputs and outputs), got %zu",
                            nwidths);
    if (!widths) return bk_error_set(err, BK_EINVAL, "layer widths pointer is NULL");
    for (size_t i = 0; i < nwidths; i++)
        if (widths[i] == 0) return bk_error_set(err, BK_EINVAL, "layer width %zu is 0; every width must be >= 1", i);
    const size_t nhidden = nwidths - 2;
    if (!(nacts == 1 || nacts == nhidden || (nhidden == 0 && nacts == 0)))
        return bk_error_set(err, BK_EDIM,
                            "%zu activations given for %zu hidden layers; give 1 (shared) or one per hidden layer",
                            nacts, nhidden);
    if (nacts > 0 && !acts) return bk_error_set(err, BK_EINVAL, "activations pointer is NULL");
    for (size_t i = 0; i < nacts; i++)
        if (!bk_activation_name(acts[i]))
            return bk_error_set(err, BK_EINVAL, "activation %zu has unknown code %d", i, acts[i]);

    const size_t L = nwidths - 1;
    size_t P = 0, maxw = 0;
    for (size_t l = 0; l < L; l++) {
        /* overflow guard: w_{l+1} (w_l + 1) must fit comfortably */
        if (widths[l] > ((size_t)1 << 31) || widths[l + 1] > ((size_t)1 << 31))
            return bk_error_set(err, BK_EINVAL, "layer width too large");
        P += widths[l + 1] * (widths[l] + 1);
    }
    for (size_t i = 0; i < nwidths; i++) maxw = widths[i] > maxw ? widths[i] : maxw;

    bk_net *net = calloc(1, sizeof *net);
    if (!net) return bk_error_set(err, BK_ENOMEM, "cannot allocate a network");
    net->widths = malloc(nwidths * sizeof *net->widths);
    net->woff = malloc(L * sizeof *net->woff);
    net->acts = malloc(L * sizeof *net->acts);
    if (!net->widths || !net->woff || !net->acts) {
        bk_net_free(net);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate a network");
    }
    memcpy(net->widths, widths, nwidths * sizeof *widths);
    size_t off = 0;
    for (size_t l = 0; l < L; l++) {
        net->woff[l] = off;
        off += widths[l + 1] * (widths[l] + 1);
        net->acts[l] = l + 1 == L ? BK_ACT_IDENTITY : (nacts == 1 ? acts[0] : acts[l]);
    }
    net->nlayers = L;
    net->nparams = P;
    net->maxw = maxw;
    *out = net;
    return BK_SUCCESS;
}

size_t bk_net_nparams(const bk_net *net) { return net ? net->nparams : 0; }
size_t bk_net_nlayers(const bk_net *net) { return net ? net->nlayers : 0; }
size_t bk_net_ninputs(const bk_net *net) { return net ? net->widths[0] : 0; }
size_t bk_net_noutputs(const bk_net *net) { return net ? net->widths[net->nlayers] : 0; }
size_t bk_net_width(const bk_net *net, size_t i) { return net && i <= net->nlayers ? net->widths[i] : 0; }
int bk_net_activation(const bk_net *net, size_t l) { return net && l < net->nlayers ? net->acts[l] : -1; }
size_t bk_net_layer_offset(const bk_net *net, size_t l) {
    return net && l < net->nlayers ? net->woff[l] : (size_t)-1;
}

int bk_net_param_name(const bk_net *net, size_t index, char *buf, size_t bufsize, bk_error *err) {
    if (!net || !buf || bufsize == 0) return bk_error_set(err, BK_EINVAL, "network or name buffer is NULL");
    if (index >= net->nparams)
        return bk_error_set(err, BK_EINVAL, "parameter index %zu is out of range for %zu parameters", index,
                            net->nparams);
    size_t l = net->nlayers - 1;
    while (net->woff[l] > index) l--;
    size_t in = net->widths[l], outw = net->widths[l + 1], k = index - net->woff[l];
    if (k < outw * in)
        snprintf(buf, bufsize, "layer%zu.W[%zu,%zu]", l, k / in, k % in);
    else
        snprintf(buf, bufsize, "layer%zu.b[%zu]", l, k - outw * in);
    return BK_SUCCESS;
}

int bk_net_init_default(bk_rng *rng, const bk_net *net, double *theta, bk_error *err) {
    if (!rng || !net || !theta) return bk_error_set(err, BK_EINVAL, "generator, network or output is NULL");
    for (size_t l = 0; l < net->nlayers; l++) {
        double bound = 1.0 / sqrt((double)net->widths[l]);
        size_t cnt = net->widths[l + 1] * (net->widths[l] + 1);
        double *p = theta + net->woff[l];
        for (size_t i = 0; i < cnt; i++) p[i] = bound * (2.0 * bk_rng_uniform(rng) - 1.0);
    }
    return BK_SUCCESS;
}
