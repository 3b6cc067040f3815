"""The multi-process bulk path gives exactly the one-process signatures."""

import numpy as np

from xinfang.nlp.dedup import minhash


def test_parallel_signatures_equal_serial():
    texts = [f"小区{i}号楼电梯故障，物业拖延维修，请求督促处理" for i in range(300)] + ["", "短"]
    serial = minhash.signatures(texts)
    parallel = minhash.signatures_parallel(texts, workers=2, chunk=50)
    assert parallel.shape == serial.shape and np.array_equal(parallel, serial)
