"""Typical mistakes in chapter 05 (convolution) and the trusted evaluator of its CNN.

Every mutant below must lose points. Most fail the visible test right after the edited answer
cell; those whose ``why`` ends in "(hidden only)" are caught by a hidden test alone (the edge
case named there: ties, overlapping windows, a stride that does not divide the input, boxes
apart in both directions, an IoU exactly at the threshold...).
"""

from __future__ import annotations

import numpy as np

from instructor import Evaluator, Mutant, perturbed_digits

NOTEBOOK = "solutions/05_convolution/convolution.ipynb"

MUTANTS = [
    # ------------------------------------------------------------------ conv2d_forward
    Mutant(
        cell="conv2d_forward",
        old="    out = w.reshape(F_, -1) @ cols",
        new="    out = w[:, :, ::-1, ::-1].reshape(F_, -1) @ cols",
        why="I flipped the kernel (a true convolution instead of PyTorch's cross-correlation).",
    ),
    Mutant(
        cell="conv2d_forward",
        old="np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))",
        new="np.pad(x, ((pad, pad), (pad, pad), (0, 0), (0, 0)))",
        why="I padded the batch and channel axes instead of height and width.",
    ),
    Mutant(
        cell="conv2d_forward",
        old="np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))",
        new="np.pad(x, ((0, 0), (0, 0), (pad, pad), (0, 0)))",
        why="I padded the height only.",
    ),
    Mutant(
        cell="conv2d_forward",
        old="Ho = (H + 2 * pad - KH) // stride + 1",
        new="Ho = (H + 2 * pad - KH) // stride",
        why="My output height is one too small (forgot the + 1).",
    ),
    Mutant(
        cell="conv2d_forward",
        old="Wo = (W + 2 * pad - KW) // stride + 1",
        new="Wo = (W + pad - KW) // stride + 1",
        why="I counted the padding once instead of on both sides for the width.",
    ),
    Mutant(
        cell="conv2d_forward",
        old="Ho = (H + 2 * pad - KH) // stride + 1",
        new="Ho = -(-(H + 2 * pad - KH) // stride) + 1",
        why="I rounded the output size up instead of down (hidden only: a stride that does not divide).",
    ),
    Mutant(
        cell="conv2d_forward",
        old=" + b.reshape(1, F_, 1, 1)",
        new=" + b.reshape(1, 1, 1, F_)",
        why="I added the bias along the last axis (the width) instead of the channel axis.",
    ),
    Mutant(
        cell="conv2d_forward",
        old="patch = x_pad[:, :, u : u + stride * Ho : stride, v : v + stride * Wo : stride]",
        new="patch = x_pad[:, :, v : v + stride * Ho : stride, u : u + stride * Wo : stride]",
        why="I swapped the row and column offsets of the kernel (a transposed kernel).",
    ),
    # ------------------------------------------------------------------ conv2d_backward
    Mutant(
        cell="conv2d_backward",
        old="db = dout.sum(axis=(0, 2, 3))",
        new="db = dout.sum(axis=0)",
        why="I summed db over the batch only, not over the output positions.",
    ),
    Mutant(
        cell="conv2d_backward",
        old="db = dout.sum(axis=(0, 2, 3))",
        new="db = dout[:, :, 0, 0].sum(axis=0)",
        why="My db takes one output position per image instead of summing over all of them.",
    ),
    Mutant(
        cell="conv2d_backward",
        old="db = dout.sum(axis=(0, 2, 3))",
        new="db = dout.mean(axis=(0, 2, 3))",
        why="I averaged db instead of summing.",
    ),
    Mutant(
        cell="conv2d_backward",
        old="dw = (dout_mat @ cols.reshape(C * KH * KW, -1).T).reshape(w.shape)",
        new="dw = (dout_mat @ cols.reshape(C * KH * KW, -1).T).reshape(w.shape)[:, :, ::-1, ::-1]",
        why="I flipped the weight gradient.",
    ),
    Mutant(
        cell="conv2d_backward",
        old=" += dcols[:, u, v]\n",
        new=" += dcols[:, u, v]\n            break\n",
        why="My col2im adds back only the first column offset of each kernel row.",
    ),
    Mutant(
        cell="conv2d_backward",
        old="dx = dx_pad.transpose(1, 0, 2, 3)[:, :, pad : pad + H, pad : pad + W]",
        new="dx = dx_pad.transpose(1, 0, 2, 3)[:, :, :H, :W]",
        why="I cut the padding off on one side only.",
    ),
    Mutant(
        cell="conv2d_backward",
        old="dw = (dout_mat @ cols.reshape(C * KH * KW, -1).T).reshape(w.shape)",
        new="dw = (dout_mat @ cols.reshape(C * KH * KW, -1).T).reshape(w.shape) / N",
        why="I divided the weight gradient by the batch size.",
    ),
    # ------------------------------------------------------------------ maxpool2d_forward
    Mutant(
        cell="maxpool2d_forward",
        old="winner = windows.argmax(axis=0)  # the first maximum in row-major order",
        new="winner = windows.shape[0] - 1 - windows[::-1].argmax(axis=0)",
        why="My tie rule picks the last maximum in the window (hidden only: ties).",
    ),
    Mutant(
        cell="maxpool2d_forward",
        old="\n    Ho = (H - size) // stride + 1",
        new="\n    Ho = H // stride",
        why="I assumed the output height is always H / stride.",
    ),
    Mutant(
        cell="maxpool2d_forward",
        old="out = np.take_along_axis(windows, winner[None], axis=0)[0]",
        new="out = np.maximum(windows.max(axis=0), 0.0)",
        why="I started the running maximum at 0, so windows of negative numbers give 0.",
    ),
    Mutant(
        cell="maxpool2d_forward",
        old="out = np.take_along_axis(windows, winner[None], axis=0)[0]",
        new="out = windows.mean(axis=0)",
        why="I wrote average pooling.",
    ),
    Mutant(
        cell="maxpool2d_forward",
        old="windows[u * size + v] = x[:, :, u : u + stride * Ho : stride, v : v + stride * Wo : stride]",
        new="windows[u * size + v] = x[:, :, u : u + size * Ho : size, v : v + size * Wo : size]",
        why="I moved the window by its size instead of by the stride (overlapping windows are wrong).",
    ),
    # ------------------------------------------------------------------ maxpool2d_backward
    Mutant(
        cell="maxpool2d_backward",
        old="routed = dout * (winner == u * size + v)",
        new="routed = dout",
        why="I sent the gradient to every entry of the window.",
    ),
    Mutant(
        cell="maxpool2d_backward",
        old="routed = dout * (winner == u * size + v)",
        new="routed = dout / (size * size)",
        why="I spread the gradient evenly over the window (the average-pooling backward).",
    ),
    Mutant(
        cell="maxpool2d_backward",
        old="dx[:, :, u : u + stride * Ho : stride, v : v + stride * Wo : stride] += routed",
        new="dx[:, :, u : u + stride * Ho : stride, v : v + stride * Wo : stride] = routed",
        why="I assigned instead of adding, so an entry that wins two overlapping windows keeps one gradient.",
    ),
    Mutant(
        cell="maxpool2d_backward",
        old="routed = dout * (winner == u * size + v)",
        new="routed = dout * (winner == v * size + u)",
        why="I decoded the winner's position with rows and columns swapped.",
    ),
    # ------------------------------------------------------------------ box_iou
    Mutant(
        cell="box_iou",
        old="wh = np.clip(bottom_right - top_left, 0.0, None)",
        new="wh = bottom_right - top_left",
        why="I did not clamp the intersection at zero (hidden only: boxes apart in both directions).",
    ),
    Mutant(
        cell="box_iou",
        old="wh = np.clip(bottom_right - top_left, 0.0, None)",
        new="wh = np.clip(bottom_right - top_left + 1.0, 0.0, None)",
        why="I used the +1 pixel convention for the intersection.",
    ),
    Mutant(
        cell="box_iou",
        old="area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])",
        new="area1 = (boxes1[:, 2] - boxes1[:, 0] + 1) * (boxes1[:, 3] - boxes1[:, 1] + 1)",
        why="I added 1 to the widths and heights of the areas.",
    ),
    Mutant(
        cell="box_iou",
        old="iou = inter / (area1[:, None] + area2[None, :] - inter)",
        new="iou = inter / (area1[:, None] + area2[None, :])",
        why="I divided by the sum of the areas, counting the intersection twice.",
    ),
    Mutant(
        cell="box_iou",
        old="top_left = np.maximum(boxes1[:, None, :2], boxes2[None, :, :2])",
        new="top_left = np.minimum(boxes1[:, None, :2], boxes2[None, :, :2])",
        why="I took the smaller top-left corner (the enclosing box, not the intersection).",
    ),
    Mutant(
        cell="box_iou",
        old="iou = inter / (area1[:, None] + area2[None, :] - inter)",
        new="iou = inter / np.minimum(area1[:, None], area2[None, :])",
        why="I divided by the smaller area (intersection over minimum).",
    ),
    # ------------------------------------------------------------------ nms
    Mutant(
        cell="nms",
        old="    keep = np.array(keep, dtype=np.int64)\n",
        new="    keep = np.sort(np.array(keep, dtype=np.int64))\n",
        why="I returned the kept boxes in input order instead of decreasing score.",
    ),
    Mutant(
        cell="nms",
        old='order = np.argsort(-scores, kind="stable")',
        new="order = np.arange(len(scores))",
        why="I visited the boxes in input order instead of by decreasing score.",
    ),
    Mutant(
        cell="nms",
        old='order = np.argsort(-scores, kind="stable")',
        new="order = np.argsort(scores)[::-1]",
        why="I reversed an ascending sort, so equal scores go to the higher index first.",
    ),
    Mutant(
        cell="nms",
        old="suppressed |= iou[i] > iou_threshold",
        new="suppressed |= iou[i] >= iou_threshold",
        why="I also suppressed boxes exactly at the threshold (hidden only).",
    ),
    Mutant(
        cell="nms",
        old="suppressed |= iou[i] > iou_threshold",
        new="suppressed |= iou[i] < iou_threshold",
        why="I suppressed the boxes that do not overlap instead of those that do.",
    ),
    # ------------------------------------------------------------------ Conv2dFunction
    Mutant(
        cell="Conv2dFunction",
        old="out = (w.reshape(F_, -1) @ cols + b.reshape(1, F_, 1))",
        new="out = (w.flip(2, 3).reshape(F_, -1) @ cols + b.reshape(1, F_, 1))",
        why="I flipped the kernel in forward (a true convolution).",
    ),
    Mutant(
        cell="Conv2dFunction",
        old="db = dout.sum(dim=(0, 2, 3))",
        new="db = dout.sum(dim=0).sum(dim=(1, 2)) / dout.shape[0]",
        why="I averaged the bias gradient over the batch.",
    ),
    Mutant(
        cell="Conv2dFunction",
        old="db = dout.sum(dim=(0, 2, 3))",
        new="db = dout[:, :, 0, 0].sum(dim=0)",
        why="I did not sum db over the output positions.",
    ),
    Mutant(
        cell="Conv2dFunction",
        old="dx = F.fold(dcols, (H, W), (KH, KW), padding=pad, stride=stride)",
        new="dx = F.fold(dcols, (H, W), (KH, KW), padding=pad, stride=1)",
        why="I forgot the stride in the backward fold.",
    ),
    Mutant(
        cell="Conv2dFunction",
        old="dw = (dout_mat @ cols.transpose(1, 2)).sum(dim=0).reshape(w.shape)",
        new="dw = (dout_mat @ cols.transpose(1, 2))[0].reshape(w.shape)",
        why="My weight gradient uses the first image of the batch only.",
    ),
    # ------------------------------------------------------------------ MaxPool2dFunction
    Mutant(
        cell="MaxPool2dFunction",
        old="dwindows.scatter_(1, winner.unsqueeze(1), dout.reshape(N * C, 1, -1))",
        new="dwindows += dout.reshape(N * C, 1, -1)",
        why="I sent the gradient to every entry of the window.",
    ),
    Mutant(
        cell="MaxPool2dFunction",
        old="out, winner = windows.max(dim=1)  # the first maximum of each window",
        new="out, winner = windows.max(dim=1)\n        winner = windows.shape[1] - 1 - windows.flip(1).argmax(dim=1)",
        why="My tie rule gives the gradient to the last maximum of the window.",
    ),
    Mutant(
        cell="MaxPool2dFunction",
        old="dx = F.fold(dwindows, (H, W), size, stride=stride).reshape(N, C, H, W)",
        new="dx = F.fold(dwindows, (H, W), size, stride=size).reshape(N, C, H, W)",
        why="I folded back with the window size as stride (wrong for overlapping windows).",
    ),
    Mutant(
        cell="MaxPool2dFunction",
        old="dwindows.scatter_(1, winner.unsqueeze(1), dout.reshape(N * C, 1, -1))",
        new="dwindows.scatter_(1, winner.unsqueeze(1), dout.reshape(N * C, 1, -1) / (size * size))",
        why="I divided the routed gradient by the window size.",
    ),
    # ------------------------------------------------------------------ ResidualBlock
    Mutant(
        cell="ResidualBlock",
        old="out = torch.relu(h + shortcut)",
        new="out = torch.relu(h)",
        why="I forgot to add the shortcut (a plain block).",
    ),
    Mutant(
        cell="ResidualBlock",
        old="out = torch.relu(h + shortcut)",
        new="out = torch.relu(h) + shortcut",
        why="I added the shortcut after the final ReLU.",
    ),
    Mutant(
        cell="ResidualBlock",
        old="        if self.w_proj is None:\n            shortcut = x\n",
        new="        if True:\n            shortcut = x\n",
        why="I always used the identity shortcut, even when the shape changes.",
    ),
    Mutant(
        cell="ResidualBlock",
        old="shortcut = Conv2dFunction.apply(x, self.w_proj, self.b_proj, self.stride, 0)",
        new="shortcut = Conv2dFunction.apply(x, self.w_proj, torch.zeros_like(self.b_proj), self.stride, 0)",
        why="I left the bias out of the projection shortcut.",
    ),
    Mutant(
        cell="ResidualBlock",
        old="h = torch.relu(Conv2dFunction.apply(x, self.w1, self.b1, self.stride, 1))",
        new="h = Conv2dFunction.apply(x, self.w1, self.b1, self.stride, 1)",
        why="I forgot the ReLU between the two convolutions.",
    ),
    Mutant(
        cell="ResidualBlock",
        old="h = Conv2dFunction.apply(h, self.w2, self.b2, 1, 1)",
        new="h = Conv2dFunction.apply(h, self.w2, self.b2, self.stride, 1)",
        why="I used the block's stride in the second convolution too.",
    ),
    # ------------------------------------------------------------------ SmallCNN
    Mutant(
        cell="SmallCNN",
        old="scores = h.reshape(h.shape[0], -1) @ self.W3 + self.b3",
        new="scores = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1) @ self.W3 + self.b3",
        why="I flattened channels-last (row, column, channel) instead of (channel, row, column).",
    ),
    Mutant(
        cell="SmallCNN",
        old="h = MaxPool2dFunction.apply(torch.relu(Conv2dFunction.apply(X, self.W1, self.b1, 1, 1)), 2, 2)",
        new="h = MaxPool2dFunction.apply(Conv2dFunction.apply(X, self.W1, self.b1, 1, 1), 2, 2)",
        why="I forgot the first ReLU.",
    ),
    Mutant(
        cell="SmallCNN",
        old="h = MaxPool2dFunction.apply(torch.relu(Conv2dFunction.apply(h, self.W2, self.b2, 1, 1)), 2, 2)",
        new="h = MaxPool2dFunction.apply(Conv2dFunction.apply(h, self.W2, self.b2, 1, 1), 2, 2)",
        why="I forgot the second ReLU.",
    ),
    Mutant(
        cell="SmallCNN",
        old="scores = h.reshape(h.shape[0], -1) @ self.W3 + self.b3",
        new="scores = h.reshape(h.shape[0], -1) @ self.W3",
        why="I forgot the last bias.",
    ),
]


# ---------------------------------------------------------------------------------- evaluator


def _conv_same_3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Trusted cross-correlation, stride 1, padding (K - 1) / 2: x (N, C, H, W), w (F, C, K, K)."""
    N, C, H, W = x.shape
    F_, _, K, _ = w.shape
    p = (K - 1) // 2
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((N, F_, H, W))
    for u in range(K):
        for v in range(K):
            out += np.einsum("nchw,fc->nfhw", xp[:, :, u : u + H, v : v + W], w[:, :, u, v])
    return out + b.reshape(1, -1, 1, 1)


def _maxpool2(x: np.ndarray) -> np.ndarray:
    N, C, H, W = x.shape
    h, w = H // 2, W // 2
    return x[:, :, : 2 * h, : 2 * w].reshape(N, C, h, 2, w, 2).max(axis=(3, 5))


def _cnn_predict(params: dict, X: np.ndarray) -> np.ndarray:
    """conv3x3(pad 1)-relu-pool2-conv3x3(pad 1)-relu-pool2-affine from W1, b1, W2, b2, W3, b3."""
    X = np.asarray(X, dtype=np.float64).reshape(-1, 1, 8, 8)
    h = _maxpool2(np.maximum(_conv_same_3x3(X, params["W1"], params["b1"]), 0.0))
    h = _maxpool2(np.maximum(_conv_same_3x3(h, params["W2"], params["b2"]), 0.0))
    scores = h.reshape(len(h), -1) @ params["W3"] + params["b3"]
    return np.argmax(scores, axis=1)


def _digits_images(seed: int):
    return perturbed_digits(seed, flatten=False)


EVALUATORS = {
    "digits_cnn": Evaluator(
        predict=_cnn_predict,
        data=_digits_images,
        describe="the SmallCNN (conv-relu-pool twice, then affine) on the digits' validation split with pixel noise",
        param_shapes={
            "W1": (None, 1, 3, 3),
            "b1": (None,),
            "W2": (None, None, 3, 3),
            "b2": (None,),
            "W3": (None, 10),
            "b3": (10,),
        },
    ),
}
