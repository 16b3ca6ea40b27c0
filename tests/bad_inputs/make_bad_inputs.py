#!/usr/bin/env python3
"""Writes the hostile-input catalogue (docs/bad_inputs.md): every input file into files/ and the
case list, cases.json, that run_bad_inputs.py runs against an octet binary.

    .venv/bin/python tests/bad_inputs/make_bad_inputs.py        # rewrites files/ and cases.json

Deterministic: fixed seeds, fixed zip timestamps, hand-written .npy headers where they must be
wrong; a re-run rewrites identical bytes. Files stay small (the catalogue is well under 1 MB):
inputs that sound big *declare* big things (a 6 GiB initializer in 110 bytes).

A case is one octet command line with the exit status and the words its stderr must contain
(case-insensitive): the file, node, value or flag at fault and the key word of the problem, not a
sentence. Paths in the arguments use placeholders the runner fills in:
    {files}  this folder's files/          {tmp}  a fresh, empty folder for the case
See case() for the post-conditions (no output written, inputs unchanged, no temp files left).
"""
import io
import json
import os
import shutil
import struct
import sys
import zipfile
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, "files")
F = "{files}/"
T = "{tmp}/"

# ---------------------------------------------------------------------------------------------
# writers


def write(name, data):
    path = os.path.join(FILES, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def symlink(name, target):
    path = os.path.join(FILES, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)


def npy_bytes(arr, fortran=False):
    buf = io.BytesIO()
    arr = np.asarray(arr)  # ascontiguousarray would make a 0-d array 1-d
    if arr.ndim:
        arr = np.asfortranarray(arr) if fortran else np.ascontiguousarray(arr)
    np.lib.format.write_array(buf, arr, version=(1, 0), allow_pickle=False)
    return buf.getvalue()


def npy_raw(header, data=b"", version=1):
    """An .npy file with the header dict text as given (numpy's padding: data 64-byte aligned)."""
    header = header.encode() if isinstance(header, str) else header
    len_bytes = 2 if version == 1 else 4
    total = (8 + len_bytes + len(header) + 1 + 63) // 64 * 64
    header = header + b" " * (total - 8 - len_bytes - len(header) - 1) + b"\n"
    size = struct.pack("<H" if len_bytes == 2 else "<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header + data


_EPOCH = (1980, 1, 1, 0, 0, 0)


def npz_bytes(members, compressed=False):
    """members: [(name, bytes)] in order (names may repeat: zipfile warns, writes both)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                z.writestr(info, data)
    return buf.getvalue()


def npz_of(arrays, compressed=False):
    return npz_bytes([(k + ".npy", npy_bytes(v)) for k, v in arrays.items()], compressed)


def zip_records(data):
    """Offsets of the first member's local header and central header, and of the end record, of a
    zip written above (no comment, so the end record is the file's last 22 bytes)."""
    end = len(data) - 22
    assert data[end:end + 4] == b"PK\x05\x06"
    central = struct.unpack_from("<I", data, end + 16)[0]
    assert data[:4] == b"PK\x03\x04" and data[central:central + 4] == b"PK\x01\x02"
    return [0], [central], end


def patch(data, at, fmt, value):
    b = bytearray(data)
    struct.pack_into(fmt, b, at, value)
    return bytes(b)


# ---------------------------------------------------------------------------------------------
# models

IR = 8  # libonnx-dev (ONNX 1.12) reads it


def make_model(nodes, inputs, outputs, inits=(), opset=17, opsets=None, name="g"):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    imports = opsets if opsets is not None else [helper.make_opsetid("", opset)]
    m = helper.make_model(graph, opset_imports=imports, producer_name="octet-bad-inputs")
    m.ir_version = IR
    return m


def save(name, model):
    write(name, model.SerializeToString())


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def init(name, arr):
    return onnx.numpy_helper.from_array(np.asarray(arr), name)


FLOAT = TensorProto.FLOAT
RNG = np.random.RandomState(20)

# The catalogue's classifier: image [batch,1,4,4] -> Conv(2x3x3, pad 1) -> Relu -> Flatten -> Gemm -> logits [batch,10].
CNN_W = RNG.randn(2, 1, 3, 3).astype(np.float32)
CNN_B = RNG.randn(2).astype(np.float32)
FC_W = (RNG.randn(10, 32) * 0.3).astype(np.float32)
FC_B = RNG.randn(10).astype(np.float32)


def tiny_cnn(conv_name="conv1"):
    nodes = [
        helper.make_node("Conv", ["image", "conv1.w", "conv1.b"], ["c1"], name=conv_name, pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Flatten", ["r1"], ["f1"], name="flatten1", axis=1),
        helper.make_node("Gemm", ["f1", "fc1.w", "fc1.b"], ["logits"], name="fc1", transB=1),
    ]
    return make_model(nodes, [vi("image", FLOAT, ["batch", 1, 4, 4])], [vi("logits", FLOAT, ["batch", 10])],
                      [init("conv1.w", CNN_W), init("conv1.b", CNN_B), init("fc1.w", FC_W), init("fc1.b", FC_B)])


def tiny_cnn_qdq():
    """tiny_cnn in QDQ form, as a quantizer writes it: the image and the ReLU output quantized
    (uint8), the convolution's weight int8 per tensor behind a DequantizeLinear."""
    scale = float(np.abs(CNN_W).max() / 127)
    nodes = [
        helper.make_node("QuantizeLinear", ["image", "in_s", "in_z"], ["image_q"], name="image_q"),
        helper.make_node("DequantizeLinear", ["image_q", "in_s", "in_z"], ["image_dq"], name="image_dq"),
        helper.make_node("DequantizeLinear", ["conv1.w_q", "w_s"], ["conv1.w_dq"], name="conv1.w_dq"),
        helper.make_node("Conv", ["image_dq", "conv1.w_dq", "conv1.b"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("QuantizeLinear", ["r1", "r_s", "r_z"], ["r1_q"], name="r1_q"),
        helper.make_node("DequantizeLinear", ["r1_q", "r_s", "r_z"], ["r1_dq"], name="r1_dq"),
        helper.make_node("Flatten", ["r1_dq"], ["f1"], name="flatten1", axis=1),
        helper.make_node("Gemm", ["f1", "fc1.w", "fc1.b"], ["logits"], name="fc1", transB=1),
    ]
    inits = [init("in_s", np.float32(2 / 255)), init("in_z", np.uint8(128)), init("w_s", np.float32(scale)),
             init("conv1.w_q", np.round(CNN_W / scale).astype(np.int8)), init("conv1.b", CNN_B),
             init("r_s", np.float32(4 / 255)), init("r_z", np.uint8(0)), init("fc1.w", FC_W), init("fc1.b", FC_B)]
    return make_model(nodes, [vi("image", FLOAT, ["batch", 1, 4, 4])], [vi("logits", FLOAT, ["batch", 10])], inits)


def one_node(node, inputs=None, outputs=None, inits=(), opset=17, extra_nodes=()):
    """x [1,1,4,4] -> node ... -> y; a second node writes y when `node` itself writes nothing."""
    inputs = inputs or [vi("x", FLOAT, [1, 1, 4, 4])]
    outputs = outputs or [vi("y", FLOAT, None)]
    return make_model([node, *extra_nodes], inputs, outputs, inits, opset=opset)


def identity_y():
    return helper.make_node("Identity", ["x"], ["y"], name="identity_y")


def big_initializer_model(name, dims, raw=b"\0" * 16):
    t = TensorProto(name=name, data_type=FLOAT, dims=dims, raw_data=raw)
    return make_model([helper.make_node("Identity", ["x"], ["y"], name="id0")],
                      [vi("x", FLOAT, [1])], [vi("y", FLOAT, [1])], [t])


def ext_model(location=None, dims=(4, 3), extra=()):
    """x [batch,4] MatMul ext_w [4,3] -> y, ext_w's bytes in external data."""
    t = TensorProto(name="ext_w", data_type=FLOAT, dims=list(dims), data_location=TensorProto.EXTERNAL)
    entries = ([("location", location)] if location is not None else []) + list(extra)
    for k, v in entries:
        e = t.external_data.add()
        e.key, e.value = k, v
    return make_model([helper.make_node("MatMul", ["x", "ext_w"], ["y"], name="matmul1")],
                      [vi("x", FLOAT, ["batch", 4])], [vi("y", FLOAT, ["batch", 3])], [t])


def pb_field(num, payload):
    """A length-delimited protobuf field (wire type 2)."""
    def varint(v):
        out = bytearray()
        while True:
            b, v = v & 0x7F, v >> 7
            out.append(b | (0x80 if v else 0))
            if not v:
                return bytes(out)
    payload = payload.encode() if isinstance(payload, str) else payload
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def deep_if_model(levels):
    """If nodes nested `levels` deep (3 protobuf messages per level), as raw protobuf bytes."""
    graph = pb_field(12, pb_field(1, "out"))  # GraphProto.output = [{name: out}]
    for _ in range(levels):
        attr = pb_field(1, "then_branch") + pb_field(6, graph) + bytes([0xA0, 0x01, 5])  # g; type (field 20) GRAPH
        node = pb_field(1, "cond") + pb_field(2, "out") + pb_field(4, "If") + pb_field(5, attr)
        graph = pb_field(1, node) + pb_field(12, pb_field(1, "out"))
    opset = pb_field(1, "") + bytes([2 << 3]) + bytes([17])  # OperatorSetIdProto{domain "", version 17}
    return bytes([1 << 3, IR]) + pb_field(7, graph) + pb_field(8, opset)


# ---------------------------------------------------------------------------------------------
# the files


def make_files():
    if os.path.isdir(FILES):
        shutil.rmtree(FILES)
    os.makedirs(FILES)

    # -- the valid base files the cases bend ---------------------------------------------------
    cnn = tiny_cnn()
    save("tiny_cnn.onnx", cnn)
    images = RNG.uniform(-1, 1, (8, 1, 4, 4)).astype(np.float32)
    labels = np.array([3, 1, 4, 1, 5, 9, 2, 6], dtype=np.int64)
    write("tiny_data.npz", npz_of({"image": images}))
    write("tiny_image.npy", npy_bytes(images))
    write("tiny_labels.npy", npy_bytes(labels))
    two = make_model([helper.make_node("Add", ["a", "b"], ["y"], name="add1")],
                     [vi("a", FLOAT, ["batch", 3]), vi("b", FLOAT, ["batch", 3])], [vi("y", FLOAT, ["batch", 3])])
    save("two_inputs.onnx", two)
    save("int_input.onnx", make_model([helper.make_node("Cast", ["ids"], ["y"], name="cast1", to=FLOAT)],
                                      [vi("ids", TensorProto.INT64, ["batch", 3])], [vi("y", FLOAT, ["batch", 3])]))
    cnn_bytes = cnn.SerializeToString()

    # -- ONNX: not a model -------------------------------------------------------------------------
    write("onnx_truncated.onnx", cnn_bytes[: len(cnn_bytes) // 2])
    write("onnx_garbage.onnx", b"this is not a protobuf\x00\xff\xfe" + bytes(RNG.randint(0, 256, 200, dtype=np.uint8)))
    write("onnx_empty.onnx", b"")
    write("onnx_json.onnx", '{"graph": {"node": []}}\n')
    write("onnx_deep_subgraphs.onnx", deep_if_model(200))

    # -- ONNX: structure that crashed shape inference or the importer (issue 20) -------------------
    w = init("w", np.ones((1, 1, 3, 3), np.float32))
    save("conv_stride0.onnx", one_node(helper.make_node("Conv", ["x", "w"], ["y"], name="conv_s0", strides=[0, 0]),
                                       inits=[w]))
    save("conv_dilation0.onnx", one_node(helper.make_node("Conv", ["x", "w"], ["y"], name="conv_d0", dilations=[0, 1]),
                                         inits=[w]))
    save("conv_group0.onnx", one_node(helper.make_node("Conv", ["x", "w"], ["y"], name="conv_g0", group=0), inits=[w]))
    save("conv_kernel0.onnx", one_node(helper.make_node("Conv", ["x", "w"], ["y"], name="conv_k0", kernel_shape=[0, 3]),
                                       inits=[w]))
    save("maxpool_stride0.onnx", one_node(helper.make_node("MaxPool", ["x"], ["y"], name="maxpool_s0",
                                                           kernel_shape=[2, 2], strides=[0, 0])))
    save("avgpool_stride0.onnx", one_node(helper.make_node("AveragePool", ["x"], ["y"], name="avgpool_s0",
                                                           kernel_shape=[2, 2], strides=[1, 0])))
    save("depthtospace_block0.onnx", one_node(helper.make_node("DepthToSpace", ["x"], ["y"], name="d2s_0",
                                                               blocksize=0)))
    save("split_no_outputs.onnx", one_node(helper.make_node("Split", ["x"], [], name="split0", axis=1),
                                           extra_nodes=[identity_y()], opset=13))
    save("split_num_outputs0.onnx", one_node(helper.make_node("Split", ["x"], ["y"], name="split_n0", axis=1,
                                                              num_outputs=0), opset=18))
    save("layernorm_axis_far_out.onnx", one_node(  # the onnx_run fuzzer's find: SIGSEGV in shape inference
        helper.make_node("LayerNormalization", ["x", "gamma"], ["y"], name="ln_axis", axis=-262145),
        inits=[init("gamma", np.ones(4, np.float32))]))
    save("relu_no_output.onnx", one_node(helper.make_node("Relu", ["x"], [], name="relu_none"),
                                         extra_nodes=[identity_y()]))
    save("conv_no_output.onnx", one_node(helper.make_node("Conv", ["x", "w"], [], name="conv_none"),
                                         inits=[w], extra_nodes=[identity_y()]))
    save("add_no_output.onnx", one_node(helper.make_node("Add", ["x", "x"], [], name="add_none"),
                                        extra_nodes=[identity_y()]))
    save("constant_no_output.onnx", one_node(
        helper.make_node("Constant", [], [], name="const_none", value=init("v", np.ones(3, np.float32))),
        extra_nodes=[identity_y()]))
    then_g = helper.make_graph([helper.make_node("Relu", ["x"], [], name="inner_relu_none"),
                                helper.make_node("Identity", ["x"], ["t_out"], name="then_id")],
                               "then", [], [vi("t_out", FLOAT, [2])])
    else_g = helper.make_graph([helper.make_node("Identity", ["x"], ["e_out"], name="else_id")],
                               "else", [], [vi("e_out", FLOAT, [2])])
    save("if_branch_no_output.onnx", make_model(
        [helper.make_node("If", ["cond"], ["y"], name="if0", then_branch=then_g, else_branch=else_g)],
        [vi("cond", TensorProto.BOOL, []), vi("x", FLOAT, [2])], [vi("y", FLOAT, [2])]))

    # -- ONNX: invalid by ONNX's own rules (the checker) or by octet's ----------------------------
    save("checker_opset7_mish.onnx", one_node(helper.make_node("Mish", ["x"], ["y"], name="mish0"), opset=7))
    save("dup_graph_input.onnx", make_model([helper.make_node("Relu", ["dup_x"], ["y"], name="relu0")],
                                            [vi("dup_x", FLOAT, [2]), vi("dup_x", FLOAT, [2])], [vi("y", FLOAT, [2])]))
    save("dup_initializer.onnx", make_model(
        [helper.make_node("Add", ["x", "dup_c"], ["y"], name="add0")], [vi("x", FLOAT, [2])], [vi("y", FLOAT, [2])],
        [init("dup_c", np.ones(2, np.float32)), init("dup_c", np.zeros(2, np.float32))]))
    save("dup_node_output.onnx", make_model(
        [helper.make_node("Relu", ["x"], ["twice"], name="relu_a"), helper.make_node("Neg", ["x"], ["twice"], name="neg_b"),
         helper.make_node("Identity", ["twice"], ["y"], name="id0")], [vi("x", FLOAT, [2])], [vi("y", FLOAT, [2])]))
    save("undefined_input.onnx", make_model([helper.make_node("Add", ["x", "ghost"], ["y"], name="add_ghost")],
                                            [vi("x", FLOAT, [2])], [vi("y", FLOAT, [2])]))
    save("cycle.onnx", make_model([helper.make_node("Add", ["x", "loop_b"], ["loop_a"], name="cyc_a"),
                                   helper.make_node("Relu", ["loop_a"], ["loop_b"], name="cyc_b"),
                                   helper.make_node("Identity", ["loop_a"], ["y"], name="id0")],
                                  [vi("x", FLOAT, [2])], [vi("y", FLOAT, [2])]))
    save("unknown_op.onnx", one_node(helper.make_node("Frobnicate", ["x"], ["y"], name="frob0")))
    nms_in = [vi("boxes", FLOAT, [1, 4, 4]), vi("scores", FLOAT, [1, 1, 4])]
    save("unsupported_nms.onnx", make_model(
        [helper.make_node("NonMaxSuppression", ["boxes", "scores"], ["sel"], name="nms0")], nms_in,
        [vi("sel", TensorProto.INT64, None)]))
    save("probe_add_mismatch.onnx", make_model(
        [helper.make_node("Add", ["x", "c4"], ["y"], name="add_mismatch")], [vi("x", FLOAT, [2, 3])],
        [vi("y", FLOAT, None)], [init("c4", np.ones(4, np.float32))]))
    save("opset99.onnx", one_node(identity_y(), opset=99))
    save("no_default_domain.onnx", make_model([helper.make_node("Relu", ["x"], ["y"], name="relu0")],
                                              [vi("x", FLOAT, [2])], [vi("y", FLOAT, [2])],
                                              opsets=[helper.make_opsetid("com.example", 1)]))
    save("domain_not_imported.onnx", make_model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu_dom", domain="com.example")],
        [vi("x", FLOAT, [2])], [vi("y", FLOAT, [2])]))
    save("input_string.onnx", make_model([helper.make_node("Identity", ["s_in"], ["y"], name="id0")],
                                         [vi("s_in", TensorProto.STRING, [2])], [vi("y", TensorProto.STRING, [2])]))

    # -- ONNX: tensors (sizes, dtypes, dims) ------------------------------------------------------
    save("init_6gib_raw16.onnx", big_initializer_model("big_w", [1536, 1024, 1024]))  # 6 GiB declared
    save("init_40gib_raw16.onnx", big_initializer_model("huge_w", [10, 1024, 1024, 1024]))  # 40 GiB declared
    save("init_dims_overflow.onnx", big_initializer_model("ovf_w", [1 << 40, 1 << 40, 1 << 40]))
    save("init_negative_dim.onnx", big_initializer_model("neg_w", [4, -3]))
    save("init_raw_short.onnx", big_initializer_model("short_w", [2, 2], raw=b"\1\2\3"))
    t = TensorProto(name="typed_w", data_type=FLOAT, dims=[1000000000], float_data=[1.0])
    save("init_typed_count.onnx", make_model([identity_y()], [vi("x", FLOAT, [1])], [vi("y", FLOAT, [1])], [t]))
    t = TensorProto(name="odd_w", data_type=99, dims=[2], raw_data=b"\0" * 8)
    save("init_dtype_99.onnx", make_model([identity_y()], [vi("x", FLOAT, [1])], [vi("y", FLOAT, [1])], [t]))
    t = TensorProto(name="str_w", data_type=TensorProto.STRING, dims=[1], string_data=[b"hi"])
    save("init_dtype_string.onnx", make_model([identity_y()], [vi("x", FLOAT, [1])], [vi("y", FLOAT, [1])], [t]))
    t = TensorProto(name="", data_type=FLOAT, dims=[1], float_data=[1.0])
    save("init_no_name.onnx", make_model([identity_y()], [vi("x", FLOAT, [1])], [vi("y", FLOAT, [1])], [t]))
    big = TensorProto(name="const_big_v", data_type=FLOAT, dims=[1536, 1024, 1024], raw_data=b"\0" * 16)
    save("constant_6gib.onnx", make_model(
        [helper.make_node("Constant", [], ["c"], name="const_big", value=big),
         helper.make_node("Add", ["x", "c"], ["y"], name="add0")], [vi("x", FLOAT, [1])], [vi("y", FLOAT, None)]))
    save("expand_huge.onnx", make_model(
        [helper.make_node("Expand", ["x", "huge_shape"], ["y"], name="expand_huge")], [vi("x", FLOAT, [1])],
        [vi("y", FLOAT, None)], [init("huge_shape", np.array([100000, 100000, 1000], np.int64))]))
    # ops whose attributes or constant operands do not fit their inputs: refused naming the node
    x4 = [vi("x", FLOAT, [4])]
    save("gather_out_of_range.onnx", make_model(
        [helper.make_node("Gather", ["x", "idx"], ["y"], name="gather_oob", axis=0)], x4, [vi("y", FLOAT, None)],
        [init("idx", np.array([0, 1, 1000000], np.int64))]))
    save("transpose_bad_perm.onnx", make_model(
        [helper.make_node("Transpose", ["x"], ["y"], name="transpose_dup", perm=[0, 0, 1, 2])],
        [vi("x", FLOAT, [1, 1, 4, 4])], [vi("y", FLOAT, None)]))
    save("concat_bad_axis.onnx", make_model(
        [helper.make_node("Concat", ["x", "x"], ["y"], name="concat_axis7", axis=7)], x4, [vi("y", FLOAT, None)]))
    save("conv_channel_mismatch.onnx", one_node(
        helper.make_node("Conv", ["x", "w3"], ["y"], name="conv_c3"), inits=[init("w3", np.ones((2, 3, 3, 3), np.float32))]))
    save("reshape_bad_count.onnx", make_model(
        [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape_bad")], x4, [vi("y", FLOAT, None)],
        [init("shape", np.array([3, 5], np.int64))]))
    save("undefined_output.onnx", make_model([helper.make_node("Relu", ["x"], ["r"], name="relu0")], x4,
                                             [vi("never_made", FLOAT, [4])]))
    qdq = [helper.make_node("QuantizeLinear", ["x", "s0", "z0"], ["q"], name="quant_s0"),
           helper.make_node("DequantizeLinear", ["q", "s0", "z0"], ["dq"], name="dequant_s0"),
           helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], name="dequant_w"),
           helper.make_node("Conv", ["dq", "w"], ["c"], name="conv_q", pads=[1, 1, 1, 1]),
           helper.make_node("QuantizeLinear", ["c", "s0", "z0"], ["cq"], name="quant_out"),
           helper.make_node("DequantizeLinear", ["cq", "s0", "z0"], ["y"], name="dequant_out")]
    save("qdq_scale_zero.onnx", make_model(
        qdq, [vi("x", FLOAT, [1, 1, 4, 4])], [vi("y", FLOAT, [1, 2, 4, 4])],
        [init("s0", np.float32(0.0)), init("z0", np.uint8(128)), init("wq", np.ones((2, 1, 3, 3), np.int8)),
         init("ws", np.float32(0.0)), init("wz", np.int8(0))]))
    write("x4.npy", npy_bytes(np.arange(4, dtype=np.float32)))

    long_name = "a" * 40000  # issue 20: name_regex matched against a very long node name
    save("long_name.onnx", tiny_cnn(conv_name=long_name))

    # -- ONNX external data (files/ext/; files/outside.bin lies outside that folder) ---------------
    w_bytes = np.arange(12, dtype=np.float32).tobytes()
    write("outside.bin", w_bytes)
    write("ext/ext_ok.bin", w_bytes)
    write("ext/short.bin", w_bytes[:20])
    save("ext/ext_ok.onnx", ext_model("ext_ok.bin"))
    save("ext/ext_missing.onnx", ext_model("nope.bin"))
    save("ext/ext_escape.onnx", ext_model("../outside.bin"))
    save("ext/ext_escape_hidden.onnx", ext_model("sub/../../outside.bin"))
    save("ext/ext_absolute.onnx", ext_model("/dev/zero"))
    symlink("ext/link_out.bin", "../outside.bin")
    save("ext/ext_symlink_out.onnx", ext_model("link_out.bin"))
    save("ext/ext_dot.onnx", ext_model("."))
    save("ext/ext_no_location.onnx", ext_model(None))
    save("ext/ext_short.onnx", ext_model("short.bin"))
    save("ext/ext_6gib.onnx", ext_model("ext_ok.bin", dims=(1536, 1024, 1024)))
    save("ext/ext_offset_negative.onnx", ext_model("ext_ok.bin", extra=[("offset", "-8")]))
    save("ext/ext_offset_abc.onnx", ext_model("ext_ok.bin", extra=[("offset", "abc")]))
    save("ext/ext_offset_past_end.onnx", ext_model("ext_ok.bin", extra=[("offset", "4096")]))
    save("ext/ext_offset_huge.onnx", ext_model("ext_ok.bin", extra=[("offset", "9223372036854775807")]))
    save("ext/ext_length_mismatch.onnx", ext_model("ext_ok.bin", extra=[("length", "47")]))
    write("ext_x.npy", npy_bytes(RNG.randn(2, 4).astype(np.float32)))
    write("one_float.npy", npy_bytes(np.ones(1, np.float32)))
    write("x_1x1x4x4.npy", npy_bytes(RNG.randn(1, 1, 4, 4).astype(np.float32)))

    # -- .npy (as `image` of tiny_cnn, [batch,1,4,4] float32) -------------------------------------
    good = images
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (8, 1, 4, 4), }"
    data = good.tobytes()
    write("npy_bad_magic.npy", b"\x93NUMPX" + npy_bytes(good)[6:])
    write("npy_short.npy", b"\x93NUMPY\x01\x00")
    write("npy_header_past_end.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 0xFFFF) + hdr.encode())
    write("npy_header_not_dict.npy", npy_raw("[8, 1, 4, 4]", data))
    write("npy_header_no_shape.npy", npy_raw("{'descr': '<f4', 'fortran_order': False, }", data))
    write("npy_header_unknown_key.npy",
          npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (8, 1, 4, 4), 'colour': 'red', }", data))
    write("npy_header_unterminated.npy", npy_raw("{'descr': '<f4", data))
    write("npy_header_unclosed_tuple.npy", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (8, 1, 4, 4", data))
    write("npy_negative_dim.npy", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 1, 4, 4), }", data))
    write("npy_dim_digits.npy", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 1), }", data))
    write("npy_object.npy", npy_raw("{'descr': '|O', 'fortran_order': False, 'shape': (8, 1, 4, 4), }", data))
    write("npy_structured.npy", npy_raw("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (8, 1, 4, 4), }", data))
    write("npy_big_endian.npy", npy_raw("{'descr': '>f4', 'fortran_order': False, 'shape': (8, 1, 4, 4), }",
                                        good.astype(">f4").tobytes()))
    write("npy_version9.npy", npy_raw(hdr, data)[:6] + b"\x09\x00" + npy_raw(hdr, data)[8:])
    write("npy_truncated_data.npy", npy_raw(hdr, data[: len(data) // 2]))
    write("npy_fortran_truncated.npy", npy_bytes(good, fortran=True)[:-40])
    write("npy_fortran_ok.npy", npy_bytes(good, fortran=True))
    write("npy_huge_shape.npy", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 1, 4, 4), }",
                                        data[:16]))
    write("npy_shape_overflow.npy",
          npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904), }",
                  data[:16]))
    write("npy_float64.npy", npy_bytes(good.astype(np.float64)))
    write("npy_wrong_rank.npy", npy_bytes(good.reshape(8, 16)))
    write("npy_wrong_shape.npy", npy_bytes(np.zeros((8, 1, 5, 5), np.float32)))
    write("npy_scalar.npy", npy_bytes(np.float32(1.5)))
    write("npy_bool.npy", npy_bytes(good > 0))

    # -- .npz ---------------------------------------------------------------------------------
    good_npz = npz_of({"image": good})
    write("npz_not_zip.npz", npy_bytes(good))
    write("npz_empty_file.npz", b"")
    write("npz_no_members.npz", npz_bytes([]))
    write("npz_truncated.npz", good_npz[: len(good_npz) // 2])
    comp = npz_of({"image": good}, compressed=True)
    local, central, end = zip_records(comp)
    name_len, extra_len = struct.unpack_from("<HH", comp, local[0] + 26)
    body = local[0] + 30 + name_len + extra_len
    bad = bytearray(comp)
    for i in range(body + 2, body + 40):
        bad[i] ^= 0x5A
    write("npz_corrupt_deflate.npz", bytes(bad))
    local, central, end = zip_records(good_npz)
    crc = struct.unpack_from("<I", good_npz, central[0] + 16)[0]
    write("npz_bad_crc.npz", patch(patch(good_npz, central[0] + 16, "<I", crc ^ 1), local[0] + 14, "<I", crc ^ 1))
    write("npz_duplicate.npz", npz_bytes([("image.npy", npy_bytes(good)), ("image.npy", npy_bytes(-good))]))
    write("npz_text_member.npz", npz_bytes([("image.npy", npy_bytes(good)), ("readme.txt", b"hello\n")]))
    write("npz_wrong_name.npz", npz_of({"imgae": good}))
    local, central, end = zip_records(comp)
    write("npz_declared_4gib.npz", patch(patch(comp, central[0] + 24, "<I", 0xFFFFFFF0), local[0] + 22, "<I", 0xFFFFFFF0))
    local, central, end = zip_records(good_npz)
    write("npz_method_bzip2.npz", patch(patch(good_npz, central[0] + 10, "<H", 12), local[0] + 8, "<H", 12))
    write("npz_encrypted.npz", patch(patch(good_npz, central[0] + 8, "<H", 1), local[0] + 6, "<H", 1))
    write("npz_count_lies.npz", patch(patch(good_npz, end + 8, "<H", 5), end + 10, "<H", 5))
    write("npz_cd_offset_past_end.npz", patch(good_npz, end + 16, "<I", 0x7FFFFFF0))
    write("npz_member_bad_npy.npz", npz_bytes([("image.npy", b"\x93NUMPX" + npy_bytes(good)[6:])]))
    write("npz_int32_image.npz", npz_of({"image": (good * 10).astype(np.int32)}))
    write("npz_counts_differ.npz", npz_of({"a": np.ones((4, 3), np.float32), "b": np.ones((5, 3), np.float32)}))
    write("npz_missing_b.npz", npz_of({"a": np.ones((4, 3), np.float32)}))
    write("npz_traversal_name.npz", npz_of({"../../image": good}))
    write("npz_scalar_member.npz", npz_of({"image": np.float32(2.0)}))
    write("data_empty.npz", npz_of({"image": np.zeros((0, 1, 4, 4), np.float32)}))
    write("labels_empty.npy", npy_bytes(np.zeros(0, np.int64)))
    nan = good.copy()
    nan[5].reshape(-1)[7] = np.nan  # sample 5, element 7
    write("calib_nan.npz", npz_of({"image": nan}))
    write("calib_nan.npy", npy_bytes(nan))
    inf = good.copy()
    inf[2].reshape(-1)[11] = np.inf  # sample 2, element 11
    write("calib_inf.npz", npz_of({"image": inf}))

    # -- QAT checkpoints (octet qat --resume) ----------------------------------------------------
    write("ckpt_no_state.npz", npz_of({"t0": np.zeros(3, np.float32)}))
    write("ckpt_bad_json.npz", npz_of({"state": np.frombuffer(b'{"format": "octet-qat-checkpoint", "vers', np.uint8)}))
    write("ckpt_other_format.npz", npz_of({"state": np.frombuffer(b'{"format": "something-else"}', np.uint8)}))

    # -- labels (for tiny_cnn's 8 samples and 10 classes) ------------------------------------------
    write("labels_99.npy", npy_bytes(np.array([3, 1, 4, 99, 5, 9, 2, 6], np.int64)))
    write("labels_neg1.npy", npy_bytes(np.array([3, 1, 4, 1, 5, -1, 2, 6], np.int64)))
    write("labels_float.npy", npy_bytes(labels.astype(np.float32)))
    write("labels_short.npy", npy_bytes(labels[:7]))
    write("labels_2d.npy", npy_bytes(labels.reshape(8, 1)))
    write("labels_bool.npy", npy_bytes(labels > 3))
    u = labels.astype(np.uint64)
    u[2] = (1 << 63) + 5
    write("labels_u64_huge.npy", npy_bytes(u))

    # -- qconfig JSON -------------------------------------------------------------------------
    write("qc_empty.json", b"")
    write("qc_whitespace.json", " \n\t\n")
    write("qc_deep.json", "[" * 100000 + "]" * 100000)  # issue 20: 100,000 levels
    write("qc_bins_fraction.json", '{"global": {"activation": {"observer": "histogram", "bins": 2048.7}}}')
    write("qc_bins_huge.json", '{"global": {"activation": {"observer": "histogram", "bins": 1000000000000}}}')
    write("qc_bins_string.json", '{"global": {"activation": {"bins": "2048"}}}')
    write("qc_percentile_200.json", '{"global": {"activation": {"observer": "percentile", "percentile": 200}}}')
    write("qc_dtype_u4.json", '{"global": {"activation": {"dtype": "u4"}}}')
    write("qc_observer_magic.json", '{"global": {"activation": {"observer": "magic"}}}')
    write("qc_name_no_node.json", '{"name": {"no_such_node": null}}')
    write("qc_op_type_no_node.json", '{"op_type": {"LSTM": null}}')
    write("qc_regex_invalid.json", '{"name_regex": [{"pattern": "conv(", "qconfig": null}]}')
    write("qc_regex_no_match.json", '{"name_regex": [{"pattern": "^head\\\\.", "qconfig": null}]}')
    write("qc_not_json.json", "global: {activation: u8}\n")
    write("qc_unknown_key.json", '{"global": {"activation": {"colour": "red"}}}')
    write("qc_top_array.json", "[]")
    write("qc_dotstar.json", '{"name_regex": [{"pattern": ".*", "qconfig": {"activation": {"observer": "minmax"}}}]}')
    write("qc_ab_star_c.json", '{"name_regex": [{"pattern": "^(a|b)*c", "qconfig": null}]}')
    write("qc_ab_star_all.json", '{"name_regex": [{"pattern": "^(a|b)*$", "qconfig": null}]}')

    # -- the debugging tools (compare, sensitivity, --max-drop, inspect --qparams) ----------------
    save("tiny_cnn_qdq.onnx", tiny_cnn_qdq())
    write("tiny_labels_7.npy", npy_bytes(np.array([3, 1, 4, 1, 5, 9, 2], dtype=np.int64)))


# ---------------------------------------------------------------------------------------------
# the cases

CASES = []
VERBS = {"inspect", "run", "eval", "quantize", "qat", "bench", "compare", "sensitivity"}


def case(id, args, exit, words, why, reads, stdin=None, setup=None, post=None, timeout_s=None, max_rss_mb=None):
    """One case. `exit`: the status (an int) or the statuses a correct octet may give (a list, for
    values octet parses itself that are as much bad usage (2) as bad input (1)). `words`: each must
    occur in stderr (case-insensitive) when the exit status is not 0; a word may be a list of
    equally good alternatives, one of which must occur. `reads`: the file types the case feeds octet. `setup`:
    {"copy": [[src, name in {tmp}]], "symlink": [[name in {tmp}, target]], "write": [[name, text]],
     "plant_old_temp": [output path, symlink target]} — the last plants a symlink at the old writer's
    temp name `OUTPUT.tmp.<pid>` in the child just before it execs octet. `post`: {"absent": [paths],
    "exists": [regular files], "unchanged": [paths hashed before and after], "symlink": [[path,
    target]] (still a link to target), "only": [names] ({tmp} holds exactly these afterwards)}."""
    assert not any(c["id"] == id for c in CASES), id
    c = {"id": id, "verb": args[0] if args and args[0] in VERBS else "(none)", "reads": reads,
         "why": why, "args": args, "exit": exit, "words": words}
    for k, v in [("stdin", stdin), ("setup", setup), ("post", post), ("timeout_s", timeout_s), ("max_rss_mb", max_rss_mb)]:
        if v is not None:
            c[k] = v
    CASES.append(c)


CNN = F + "tiny_cnn.onnx"
DATA = F + "tiny_data.npz"
LABELS = F + "tiny_labels.npy"
OUT = T + "out.onnx"
NO_OUT = {"absent": [OUT], "only": []}  # nothing written, no temp file left


def quantize_static(*extra, model=CNN, calib=DATA, out=OUT, samples="8", bc_samples="4"):
    return ["quantize", model, "-o", out, "--mode", "static", "--calib", calib, "--samples", samples,
            "--bias-correction-samples", bc_samples, *extra]


def make_cases():
    # ---- ONNX files that are not models ------------------------------------------------------
    case("onnx-truncated", ["inspect", F + "onnx_truncated.onnx"], 1, ["onnx_truncated.onnx"],
         "the first half of a valid model", "onnx")
    case("onnx-garbage", ["run", F + "onnx_garbage.onnx", "--data", DATA], 1, ["onnx_garbage.onnx"],
         "text and random bytes", "onnx")
    case("onnx-empty", ["bench", F + "onnx_empty.onnx", "--iters", "1"], 1, ["onnx_empty.onnx"],
         "a 0-byte file parses as an empty ModelProto: no graph", "onnx")
    case("onnx-json", ["eval", F + "onnx_json.onnx", "--data", DATA, "--labels", LABELS], 1, ["onnx_json.onnx"],
         "a JSON text file", "onnx")
    case("onnx-deep-subgraphs", ["inspect", F + "onnx_deep_subgraphs.onnx"], 1, ["onnx_deep_subgraphs.onnx"],
         "If subgraphs nested 200 deep (600 protobuf levels): refused, not recursed into", "onnx")
    case("onnx-missing", ["inspect", F + "no_such_model.onnx"], 1, ["no_such_model.onnx"], "no such file", "onnx")
    case("onnx-directory", ["run", "{files}/ext", "--data", DATA], 1, ["ext"], "a folder given as the model", "onnx")
    case("onnx-dev-zero", ["inspect", "/dev/zero"], 1, ["/dev/zero"],
         "an endless device: refused, not read until memory runs out", "onnx", timeout_s=30)

    # ---- structure that crashed ONNX shape inference or the importer (issue 20) ---------------
    case("conv-stride-0", ["inspect", F + "conv_stride0.onnx"], 1, ["conv_stride0.onnx", "conv_s0", "stride"],
         "Conv strides [0,0]: SIGFPE in ONNX shape inference", "onnx")
    case("maxpool-stride-0", ["run", F + "maxpool_stride0.onnx", "--data", F + "x_1x1x4x4.npy"], 1,
         ["maxpool_stride0.onnx", "maxpool_s0", "stride"], "MaxPool strides [0,0]: SIGFPE", "onnx")
    case("avgpool-stride-0", ["bench", F + "avgpool_stride0.onnx", "--iters", "1"], 1,
         ["avgpool_stride0.onnx", "avgpool_s0", "stride"], "AveragePool strides [1,0]: SIGFPE", "onnx")
    case("conv-dilation-0", quantize_static(model=F + "conv_dilation0.onnx"), 1, ["conv_dilation0.onnx", "conv_d0", "dilation"],
         "Conv dilations [0,1]", "onnx", post=NO_OUT)
    case("conv-group-0", ["inspect", "--lowered", F + "conv_group0.onnx"], 1, ["conv_group0.onnx", "conv_g0", "group"],
         "Conv group 0: shape inference divides by it", "onnx")
    case("conv-kernel-0", ["inspect", "--json", F + "conv_kernel0.onnx"], 1, ["conv_kernel0.onnx", "conv_k0", "kernel_shape"],
         "Conv kernel_shape [0,3]", "onnx")
    case("depthtospace-blocksize-0", ["inspect", F + "depthtospace_block0.onnx"], 1,
         ["depthtospace_block0.onnx", "d2s_0", "blocksize"], "DepthToSpace blocksize 0: division by zero", "onnx")
    case("split-no-outputs", ["inspect", F + "split_no_outputs.onnx"], 1, ["split_no_outputs.onnx", "split0", "output"],
         "Split with no outputs: SIGFPE in shape inference (divides by the output count)", "onnx")
    case("split-num-outputs-0", ["bench", F + "split_num_outputs0.onnx", "--iters", "1"], 1,
         ["split_num_outputs0.onnx", "split_n0", "num_outputs"], "Split-18 num_outputs 0", "onnx")
    case("layernorm-axis-far-out", ["run", F + "layernorm_axis_far_out.onnx", "--data", F + "x_1x1x4x4.npy"], 1,
         ["layernorm_axis_far_out.onnx", "ln_axis", "axis", "-262145"],
         "LayerNormalization axis -262145: ONNX's shape inference indexed dims by it (SIGSEGV)", "onnx")
    case("relu-no-output", ["run", F + "relu_no_output.onnx", "--data", F + "x_1x1x4x4.npy"], 1,
         ["relu_no_output.onnx", "relu_none", "output"], "a Relu with zero outputs: SIGSEGV", "onnx")
    case("conv-no-output", ["inspect", F + "conv_no_output.onnx"], 1, ["conv_no_output.onnx", "conv_none", "output"],
         "a Conv with zero outputs: SIGSEGV", "onnx")
    case("add-no-output", ["bench", F + "add_no_output.onnx", "--iters", "1"], 1,
         ["add_no_output.onnx", "add_none", "output"], "an Add with zero outputs: SIGSEGV", "onnx")
    case("constant-no-output", ["inspect", F + "constant_no_output.onnx"], 1,
         ["constant_no_output.onnx", "const_none", "output"], "a Constant with zero outputs: SIGSEGV", "onnx")
    case("if-branch-no-output", ["inspect", F + "if_branch_no_output.onnx"], 1,
         ["if_branch_no_output.onnx", "inner_relu_none", "output"], "a node with no output inside an If branch", "onnx")

    # ---- invalid models (ONNX's checker, octet's structure) ----------------------------------
    case("checker-opset7-mish", ["inspect", F + "checker_opset7_mish.onnx"], 1, ["checker_opset7_mish.onnx", "Mish"],
         "an opset-7 model using Mish (opset 18): the ONNX checker rejects it", "onnx")
    case("dup-graph-input", ["bench", F + "dup_graph_input.onnx", "--iters", "1"], 1,
         ["dup_graph_input.onnx", "dup_x"], "the same graph input listed twice", "onnx")
    case("dup-initializer", ["inspect", F + "dup_initializer.onnx"], 1, ["dup_initializer.onnx", "dup_c"],
         "two initializers of one name", "onnx")
    case("dup-node-output", ["inspect", F + "dup_node_output.onnx"], 1, ["dup_node_output.onnx", "twice"],
         "two nodes write the same value", "onnx")
    case("undefined-input", ["inspect", F + "undefined_input.onnx"], 1, ["undefined_input.onnx", "ghost"],
         "a node reads a value nothing defines", "onnx")
    case("cycle", ["inspect", F + "cycle.onnx"], 1, ["cycle.onnx"],
         "two nodes feeding each other", "onnx")
    case("unknown-op", ["bench", F + "unknown_op.onnx", "--iters", "1"], 1, ["unknown_op.onnx", "Frobnicate"],
         "an op that does not exist", "onnx")
    case("inspect-unsupported-op", ["inspect", F + "unsupported_nms.onnx"], 1, ["nms0", "NonMaxSuppression"],
         "inspect must fail (after its table) on a model run refuses: valid NonMaxSuppression, not implemented",
         "onnx")
    case("inspect-probe-fails", ["inspect", F + "probe_add_mismatch.onnx"], 1, ["probe_add_mismatch.onnx", "add_mismatch"],
         "Add of [2,3] and [4]: the model cannot run, so inspect exits 1", "onnx")
    case("opset-99", ["inspect", F + "opset99.onnx"], 1, ["opset99.onnx", "99"], "an opset from the future", "onnx")
    case("no-default-domain", ["inspect", F + "no_default_domain.onnx"], 1, ["no_default_domain.onnx"],
         "imports only com.example but uses Relu", "onnx")
    case("domain-not-imported", ["inspect", F + "domain_not_imported.onnx"], 1, ["domain_not_imported.onnx", "com.example"],
         "a node of a domain the model does not import", "onnx")
    case("input-string-dtype", ["bench", F + "input_string.onnx", "--iters", "1"], 1, ["input_string.onnx", "s_in"],
         "a string graph input", "onnx")

    X4 = ["-i", "x=" + F + "x4.npy"]
    case("gather-out-of-range", ["run", F + "gather_out_of_range.onnx", *X4], 1, ["gather_oob", "1000000"],
         "Gather index 1000000 into 4 elements: refused, not read out of bounds", "onnx")
    case("transpose-bad-perm", ["run", F + "transpose_bad_perm.onnx", "-i", "x=" + F + "x_1x1x4x4.npy"], 1,
         ["transpose_dup", "perm"], "Transpose perm [0,0,1,2]", "onnx")
    case("concat-bad-axis", ["run", F + "concat_bad_axis.onnx", *X4], 1, ["concat_axis7", "axis"],
         "Concat axis 7 of rank-1 inputs", "onnx")
    case("conv-channel-mismatch", ["bench", F + "conv_channel_mismatch.onnx", "--iters", "1"], 1, ["conv_c3"],
         "a 3-channel weight for a 1-channel input", "onnx")
    case("reshape-bad-count", ["run", F + "reshape_bad_count.onnx", *X4], 1, ["reshape_bad"],
         "Reshape of 4 elements to [3,5]", "onnx")
    case("undefined-output", ["inspect", F + "undefined_output.onnx"], 1, ["undefined_output.onnx", "never_made"],
         "a graph output no node writes", "onnx")
    case("qdq-scale-zero", ["run", F + "qdq_scale_zero.onnx", "-i", "x=" + F + "x_1x1x4x4.npy"], [0, 1],
         ["qdq_scale_zero.onnx", "scale"], "QDQ Conv with every scale 0: a refusal naming the scale, or a run "
         "without undefined behaviour (the lowering divides by the scales)", "onnx")

    # ---- tensors that declare more than they hold (issue 20: memory) -------------------------
    case("init-6gib-raw16", ["inspect", F + "init_6gib_raw16.onnx"], 1, ["init_6gib_raw16.onnx", "big_w"],
         "110-byte model, initializer of 6 GiB declared with 16 bytes of raw_data: refused as short, unallocated",
         "onnx", timeout_s=20, max_rss_mb=1024)
    case("init-40gib-raw16", ["run", F + "init_40gib_raw16.onnx", "-i", "x=" + F + "one_float.npy"], 1,
         ["init_40gib_raw16.onnx", "huge_w"], "the same at 40 GiB", "onnx", timeout_s=20, max_rss_mb=1024)
    case("init-dims-overflow", ["inspect", F + "init_dims_overflow.onnx"], 1, ["init_dims_overflow.onnx", "ovf_w"],
         "dims 2^40 x 2^40 x 2^40: the element count overflows int64", "onnx", max_rss_mb=1024)
    case("init-negative-dim", ["inspect", F + "init_negative_dim.onnx"], 1, ["init_negative_dim.onnx", "neg_w", "-3"],
         "a negative dimension", "onnx")
    case("init-raw-short", ["bench", F + "init_raw_short.onnx", "--iters", "1"], 1, ["init_raw_short.onnx", "short_w"],
         "[2,2] float with 3 bytes of raw_data", "onnx")
    case("init-typed-count", ["inspect", F + "init_typed_count.onnx"], 1, ["init_typed_count.onnx", "typed_w"],
         "1e9 floats declared, float_data holds 1", "onnx", max_rss_mb=1024)
    case("init-dtype-99", ["inspect", F + "init_dtype_99.onnx"], 1, ["init_dtype_99.onnx", "odd_w"],
         "data_type 99, no ONNX type", "onnx")
    case("init-dtype-string", ["run", F + "init_dtype_string.onnx", "-i", "x=" + F + "one_float.npy"], 1,
         ["init_dtype_string.onnx", "str_w"], "a string initializer", "onnx")
    case("init-no-name", ["inspect", F + "init_no_name.onnx"], 1, ["init_no_name.onnx"], "an initializer without a name",
         "onnx")
    case("constant-6gib", ["inspect", F + "constant_6gib.onnx"], 1, ["constant_6gib.onnx", "const_big"],
         "a Constant node's tensor declaring 6 GiB with 16 bytes", "onnx", timeout_s=20, max_rss_mb=1024)
    case("expand-huge", ["run", F + "expand_huge.onnx", "-i", "x=" + F + "one_float.npy"], 1, ["expand_huge"],
         "Expand to [1e5,1e5,1e3] from constants: 40 TB, refused by size, not by running out of memory", "onnx",
         timeout_s=30, max_rss_mb=1024)

    # ---- external data -------------------------------------------------------------------------
    E = F + "ext/"
    case("ext-missing", ["inspect", E + "ext_missing.onnx"], 1, ["ext_missing.onnx", "ext_w", "nope.bin"],
         "the data file is absent", "external data")
    case("ext-escape", ["run", E + "ext_escape.onnx", "--data", F + "ext_x.npy"], 1, ["ext_escape.onnx", "ext_w", "outside.bin"],
         "location ../outside.bin (the file exists: only confinement refuses it)", "external data")
    case("ext-escape-hidden", ["inspect", E + "ext_escape_hidden.onnx"], 1, ["ext_escape_hidden.onnx", "ext_w"],
         "location sub/../../outside.bin", "external data")
    case("ext-absolute", ["bench", E + "ext_absolute.onnx", "--iters", "1"], 1, ["ext_absolute.onnx", "ext_w", "/dev/zero"],
         "an absolute location (/dev/zero)", "external data", timeout_s=30)
    case("ext-symlink-out", ["quantize", E + "ext_symlink_out.onnx", "-o", OUT, "--mode", "dynamic"], 1,
         ["ext_symlink_out.onnx", "ext_w", "link_out.bin"], "location is a symlink to ../outside.bin", "external data",
         post=NO_OUT)
    case("ext-directory", ["inspect", E + "ext_dot.onnx"], 1,
         ["ext_dot.onnx", "ext_w", ["directory", "regular file"]],
         "location '.', the model's folder itself: said to be a folder (not 'too short')", "external data")
    case("ext-no-location", ["inspect", E + "ext_no_location.onnx"], 1, ["ext_no_location.onnx", "ext_w", "location"],
         "external data without a location", "external data")
    case("ext-short", ["run", E + "ext_short.onnx", "--data", F + "ext_x.npy"], 1, ["ext_short.onnx", "ext_w", "short.bin"],
         "20 bytes where [4,3] float needs 48", "external data")
    case("ext-6gib", ["inspect", E + "ext_6gib.onnx"], 1, ["ext_6gib.onnx", "ext_w", "ext_ok.bin"],
         "6 GiB declared, a 48-byte file: refused before allocating", "external data", timeout_s=20, max_rss_mb=1024)
    case("ext-offset-negative", ["inspect", E + "ext_offset_negative.onnx"], 1, ["ext_offset_negative.onnx", "ext_w", "offset"],
         "offset -8", "external data")
    case("ext-offset-abc", ["inspect", E + "ext_offset_abc.onnx"], 1, ["ext_offset_abc.onnx", "ext_w", "offset"],
         "offset 'abc'", "external data")
    case("ext-offset-past-end", ["bench", E + "ext_offset_past_end.onnx", "--iters", "1"], 1,
         ["ext_offset_past_end.onnx", "ext_w", "ext_ok.bin"], "offset 4096 in a 48-byte file", "external data")
    case("ext-offset-huge", ["inspect", E + "ext_offset_huge.onnx"], 1, ["ext_offset_huge.onnx", "ext_w"],
         "offset 2^63-1: offset + size must not wrap", "external data")
    case("ext-length-mismatch", ["inspect", E + "ext_length_mismatch.onnx"], 1,
         ["ext_length_mismatch.onnx", "ext_w", "length"], "length 47 for a 48-byte tensor", "external data")

    # ---- .npy -----------------------------------------------------------------------------------
    def run_i(f):
        return ["run", CNN, "-i", "image=" + F + f]
    case("npy-bad-magic", run_i("npy_bad_magic.npy"), 1, ["npy_bad_magic.npy", "magic"], "\\x93NUMPX", ".npy")
    case("npy-short", ["run", CNN, "--data", F + "npy_short.npy"], 1, ["npy_short.npy"], "8 bytes: magic and version only", ".npy")
    case("npy-header-past-end", ["bench", CNN, "-i", "image=" + F + "npy_header_past_end.npy", "--iters", "1"], 1,
         ["npy_header_past_end.npy", "header"], "header length 65535, 60 bytes follow", ".npy")
    case("npy-header-not-dict", run_i("npy_header_not_dict.npy"), 1, ["npy_header_not_dict.npy", "header"],
         "the header is a list", ".npy")
    case("npy-header-no-shape", ["eval", CNN, "--data", F + "npy_header_no_shape.npy", "--labels", LABELS], 1,
         ["npy_header_no_shape.npy", "shape"], "the header lacks 'shape'", ".npy")
    case("npy-header-unknown-key", run_i("npy_header_unknown_key.npy"), 1, ["npy_header_unknown_key.npy", "colour"],
         "an extra key in the header", ".npy")
    case("npy-header-unterminated", run_i("npy_header_unterminated.npy"), 1, ["npy_header_unterminated.npy"],
         "the header ends inside a string", ".npy")
    case("npy-header-unclosed-tuple", quantize_static(calib=F + "npy_header_unclosed_tuple.npy"), 1,
         ["npy_header_unclosed_tuple.npy"], "the shape tuple is not closed", ".npy", post=NO_OUT)
    case("npy-negative-dim", run_i("npy_negative_dim.npy"), 1, ["npy_negative_dim.npy"], "shape (-1, 1, 4, 4)", ".npy")
    case("npy-dim-digits", run_i("npy_dim_digits.npy"), 1, ["npy_dim_digits.npy"], "a 23-digit dimension", ".npy")
    case("npy-object", run_i("npy_object.npy"), 1, ["npy_object.npy", "|O"], "object dtype (pickles)", ".npy")
    case("npy-structured", run_i("npy_structured.npy"), 1, ["npy_structured.npy"], "a record dtype", ".npy")
    case("npy-big-endian", run_i("npy_big_endian.npy"), 1, ["npy_big_endian.npy", ">f4"], "big-endian float32", ".npy")
    case("npy-version-9", run_i("npy_version9.npy"), 1, ["npy_version9.npy", "version"], "format version 9.0", ".npy")
    case("npy-truncated-data", ["eval", CNN, "--data", F + "npy_truncated_data.npy", "--labels", LABELS], 1,
         ["npy_truncated_data.npy"], "half the data bytes", ".npy")
    case("npy-fortran-truncated", run_i("npy_fortran_truncated.npy"), 1, ["npy_fortran_truncated.npy"],
         "Fortran order, 40 bytes short", ".npy")
    case("npy-fortran-ok", run_i("npy_fortran_ok.npy"), 0, [], "Fortran order, complete: read and transposed", ".npy")
    case("npy-huge-shape", run_i("npy_huge_shape.npy"), 1, ["npy_huge_shape.npy"],
         "shape (1e12,1,4,4) with 16 data bytes: refused before allocating", ".npy", timeout_s=20, max_rss_mb=1024)
    case("npy-shape-overflow", quantize_static(calib=F + "npy_shape_overflow.npy"), 1, ["npy_shape_overflow.npy"],
         "shape (2^62, 2^62): the element count overflows", ".npy", post=NO_OUT, max_rss_mb=1024)
    case("npy-float64", run_i("npy_float64.npy"), 1, ["image", "float64"], "float64 where image is float32", ".npy")
    case("npy-wrong-rank", ["bench", CNN, "-i", "image=" + F + "npy_wrong_rank.npy", "--iters", "1"], 1,
         ["image", "[8,16]"], "rank 2 where image is rank 4", ".npy")
    case("npy-wrong-shape", quantize_static(calib=F + "npy_wrong_shape.npy"), 1, ["image", "5"],
         "[8,1,5,5] where image is [batch,1,4,4]", ".npy", post=NO_OUT)
    case("npy-scalar-data", ["eval", CNN, "--data", F + "npy_scalar.npy", "--labels", LABELS], 1,
         ["npy_scalar.npy", "scalar"], "a 0-d array as DATA: no sample axis", ".npy")
    case("npy-bool", run_i("npy_bool.npy"), 1, ["image", "bool"], "bool where image is float32", ".npy")
    case("npy-missing", run_i("no_such.npy"), 1, ["no_such.npy"], "no such file", ".npy")
    case("npy-directory", ["run", CNN, "-i", "image={files}/ext"], 1, ["ext", "directory"], "a folder as -i FILE", ".npy")
    case("npy-for-two-inputs", ["run", F + "two_inputs.onnx", "--data", F + "ext_x.npy"], 1, ["ext_x.npy", "single"],
         "an .npy DATA file for a model with inputs a and b", ".npy")

    # ---- .npz -----------------------------------------------------------------------------------
    def run_d(f, *extra):
        return ["run", CNN, "--data", F + f, *extra]
    case("npz-not-zip", run_d("npz_not_zip.npz"), 1, ["npz_not_zip.npz", "zip"], "an .npy named .npz", ".npz")
    case("npz-empty-file", run_d("npz_empty_file.npz"), 1, ["npz_empty_file.npz"], "0 bytes", ".npz")
    case("npz-no-members", ["eval", CNN, "--data", F + "npz_no_members.npz", "--labels", LABELS], 1,
         ["npz_no_members.npz"], "a valid zip holding nothing", ".npz")
    case("npz-truncated", run_d("npz_truncated.npz"), 1, ["npz_truncated.npz"], "the first half of a valid .npz", ".npz")
    case("npz-corrupt-deflate", quantize_static(calib=F + "npz_corrupt_deflate.npz"), 1, ["npz_corrupt_deflate.npz"],
         "38 bytes of the deflate stream flipped", ".npz", post=NO_OUT)
    case("npz-bad-crc", run_d("npz_bad_crc.npz"), 1, ["npz_bad_crc.npz", "CRC"], "a stored member's CRC-32 off by one bit",
         ".npz")
    case("npz-duplicate-member", run_d("npz_duplicate.npz"), 1, ["npz_duplicate.npz", "image", "duplicate"],
         "image.npy twice, with different values", ".npz")
    case("npz-text-member", ["bench", CNN, "--data", F + "npz_text_member.npz", "--iters", "1"], 1,
         ["npz_text_member.npz", "readme.txt"], "a member that is not an .npy", ".npz")
    case("npz-wrong-name", run_d("npz_wrong_name.npz"), 1, ["npz_wrong_name.npz", "imgae"],
         "member imgae.npy for input image", ".npz")
    case("npz-declared-4gib", run_d("npz_declared_4gib.npz"), 1, ["npz_declared_4gib.npz"],
         "a deflated member declaring 4 GiB uncompressed: refused before allocating", ".npz", max_rss_mb=1024)
    case("npz-method-bzip2", run_d("npz_method_bzip2.npz"), 1, ["npz_method_bzip2.npz", "method"],
         "compression method 12", ".npz")
    case("npz-encrypted", run_d("npz_encrypted.npz"), 1, ["npz_encrypted.npz", "encrypted"], "the encryption flag set",
         ".npz")
    case("npz-count-lies", run_d("npz_count_lies.npz"), 1, ["npz_count_lies.npz"],
         "the end record claims 5 members, there is 1", ".npz")
    case("npz-cd-offset-past-end", run_d("npz_cd_offset_past_end.npz"), 1, ["npz_cd_offset_past_end.npz"],
         "central directory offset 2 GiB into a small file", ".npz")
    case("npz-member-bad-npy", ["eval", CNN, "--data", F + "npz_member_bad_npy.npz", "--labels", LABELS], 1,
         ["npz_member_bad_npy.npz", "image"], "member image.npy with a bad magic", ".npz")
    case("npz-int32-image", quantize_static(calib=F + "npz_int32_image.npz"), 1, ["image", "int32"],
         "int32 calibration data for a float32 input", ".npz", post=NO_OUT)
    case("npz-counts-differ", quantize_static(model=F + "two_inputs.onnx", calib=F + "npz_counts_differ.npz"), 1,
         ["npz_counts_differ.npz", "samples"], "calibration arrays a with 4 samples, b with 5", ".npz", post=NO_OUT)
    case("npz-counts-differ-run", ["run", F + "two_inputs.onnx", "--data", F + "npz_counts_differ.npz"], 1,
         ["[4,3]", "[5,3]"], "run on a with 4 samples, b with 5: refused, naming both shapes", ".npz")
    case("npz-missing-input", ["run", F + "two_inputs.onnx", "--data", F + "npz_missing_b.npz"], 1, ["'b'"],
         "no member for input b", ".npz")
    case("npz-traversal-name", run_d("npz_traversal_name.npz"), 1, ["../../image"],
         "member ../../image.npy: a name, not a path to follow", ".npz")
    case("npz-scalar-member", ["eval", CNN, "--data", F + "npz_scalar_member.npz", "--labels", LABELS], 1,
         ["npz_scalar_member.npz", "image"], "image is a 0-d array", ".npz")
    case("npz-directory", ["eval", CNN, "--data", "{files}/ext", "--labels", LABELS], 1, ["ext", "directory"],
         "a folder as DATA", ".npz")
    case("npz-dev-zero", ["run", CNN, "--data", "/dev/zero"], 1, ["/dev/zero"],
         "an endless device as DATA", ".npz", timeout_s=30)

    # ---- silently wrong results (issue 20) ------------------------------------------------------
    case("calib-nan", quantize_static(calib=F + "calib_nan.npz"), 1, ["calib_nan.npz", "image", "sample 5", "element 7", "NaN"],
         "one NaN pixel among the calibration samples: refused, naming input, sample and element", ".npz", post=NO_OUT)
    case("calib-inf", quantize_static(calib=F + "calib_inf.npz"), 1, ["calib_inf.npz", "image", "sample 2", "element 11", "inf"],
         "one +Inf pixel", ".npz", post=NO_OUT)
    case("calib-nan-npy", quantize_static(calib=F + "calib_nan.npy"), 1, ["calib_nan.npy", "sample 5", "element 7", "NaN"],
         "the NaN calibration set as a single .npy", ".npy", post=NO_OUT)
    case("calib-empty", quantize_static(calib=F + "data_empty.npz"), 1, ["data_empty.npz", "sample"],
         "calibration data with 0 samples", ".npz", post=NO_OUT)
    case("eval-zero-samples", ["eval", CNN, "--data", F + "data_empty.npz", "--labels", F + "labels_empty.npy"], 1,
         ["data_empty.npz", "sample"], "eval on 0 samples must not print a top-1 of 0/0", ".npz")
    case("labels-99", ["eval", CNN, "--data", DATA, "--labels", F + "labels_99.npy"], 1, ["labels_99.npy", "99", "10"],
         "label 99 for a 10-class model", "labels")
    case("labels-minus-1", ["eval", CNN, "--data", DATA, "--labels", F + "labels_neg1.npy"], 1, ["labels_neg1.npy", "-1"],
         "label -1", "labels")
    case("labels-float", ["eval", CNN, "--data", DATA, "--labels", F + "labels_float.npy"], 1,
         ["labels_float.npy", "integer"], "float32 labels", "labels")
    case("labels-short", ["eval", CNN, "--data", DATA, "--labels", F + "labels_short.npy"], 1, ["labels_short.npy", "8"],
         "7 labels for 8 samples", "labels")
    case("labels-2d", ["eval", CNN, "--data", DATA, "--labels", F + "labels_2d.npy"], 1, ["labels_2d.npy", "[8,1]"],
         "labels of shape [8,1]", "labels")
    case("labels-bool", ["eval", CNN, "--data", DATA, "--labels", F + "labels_bool.npy"], 1, ["labels_bool.npy", "integer"],
         "bool labels", "labels")
    case("labels-u64-huge", ["eval", CNN, "--data", DATA, "--labels", F + "labels_u64_huge.npy"], 1,
         ["labels_u64_huge.npy", "9223372036854775813"], "a uint64 label past 2^63", "labels")
    case("labels-bad-npy", ["eval", CNN, "--data", DATA, "--labels", F + "npy_bad_magic.npy"], 1, ["npy_bad_magic.npy"],
         "labels that are not an .npy", "labels")
    case("labels-missing", ["eval", CNN, "--data", DATA, "--labels", F + "no_labels.npy"], 1, ["no_labels.npy"],
         "no such file", "labels")

    # ---- qconfig JSON --------------------------------------------------------------------------
    def qc(f):
        return quantize_static("--config", F + f)
    case("qconfig-empty", qc("qc_empty.json"), 1, ["qc_empty.json", "empty"], "a 0-byte qconfig", "qconfig", post=NO_OUT)
    case("qconfig-whitespace", qc("qc_whitespace.json"), 1, ["qc_whitespace.json", "empty"], "whitespace only", "qconfig",
         post=NO_OUT)
    case("qconfig-deep", qc("qc_deep.json"), 1, ["qconfig", "nest"], "JSON nested 100,000 levels: stack overflow in the parser",
         "qconfig", post=NO_OUT)
    case("qconfig-bins-fraction", qc("qc_bins_fraction.json"), 1, ["bins", "2048.7"], '"bins": 2048.7, not truncated to 2048',
         "qconfig", post=NO_OUT)
    case("qconfig-bins-huge", qc("qc_bins_huge.json"), 1, ["bins", "1000000000000"], '"bins": 1e12, not wrapped or allocated',
         "qconfig", post=NO_OUT, max_rss_mb=1024)
    case("qconfig-bins-string", qc("qc_bins_string.json"), 1, ["bins", "2048"], '"bins": "2048" (a string)', "qconfig",
         post=NO_OUT)
    case("qconfig-percentile-200", qc("qc_percentile_200.json"), 1, ["percentile", "200"], "percentile 200", "qconfig",
         post=NO_OUT)
    case("qconfig-dtype-u4", qc("qc_dtype_u4.json"), 1, ["dtype", "u4"], "activation dtype u4", "qconfig", post=NO_OUT)
    case("qconfig-observer-magic", qc("qc_observer_magic.json"), 1, ["observer", "magic"], "an unknown observer", "qconfig",
         post=NO_OUT)
    case("qconfig-name-no-node", qc("qc_name_no_node.json"), 1, ["no_such_node"], "a name that matches no node: a typo",
         "qconfig", post=NO_OUT)
    case("qconfig-op-type-no-node", qc("qc_op_type_no_node.json"), 1, ["op_type", "LSTM"], "an op type the model lacks",
         "qconfig", post=NO_OUT)
    case("qconfig-regex-invalid", qc("qc_regex_invalid.json"), 1, ["name_regex", "conv("], "pattern 'conv('", "qconfig",
         post=NO_OUT)
    case("qconfig-regex-no-match", qc("qc_regex_no_match.json"), 1, ["name_regex", "head"], "a pattern matching nothing",
         "qconfig", post=NO_OUT)
    case("qconfig-not-json", qc("qc_not_json.json"), 1, ["qconfig", "JSON"], "YAML-ish text", "qconfig", post=NO_OUT)
    case("qconfig-unknown-key", qc("qc_unknown_key.json"), 1, ["colour"], "an unknown key", "qconfig", post=NO_OUT)
    case("qconfig-top-array", qc("qc_top_array.json"), 1, ["qconfig", "object"], "[] instead of an object", "qconfig",
         post=NO_OUT)
    case("qconfig-missing", qc("no_such.json"), 1, ["no_such.json"], "no such file", "qconfig", post=NO_OUT)
    case("qconfig-directory", quantize_static("--config", "{files}/ext"), 1, ["ext", "directory"], "a folder as --config",
         "qconfig", post=NO_OUT)
    LN = F + "long_name.onnx"
    case("qconfig-long-name-dotstar", quantize_static("--config", F + "qc_dotstar.json", model=LN), 0, [],
         "name_regex '.*' against a 40,000-character node name: linear time, no stack overflow", "qconfig",
         post={"exists": [OUT], "only": ["out.onnx"]}, timeout_s=60)
    case("qconfig-long-name-backtrack", quantize_static("--config", F + "qc_ab_star_c.json", model=LN), 1,
         ["name_regex", "(a|b)*c"], "'^(a|b)*c' against 40,000 a's: no match, found without backtracking", "qconfig",
         post=NO_OUT, timeout_s=60)
    case("qconfig-long-name-anchored", quantize_static("--config", F + "qc_ab_star_all.json", model=LN), 0, [],
         "'^(a|b)*$' matching 40,000 a's (std::regex recurses per character)", "qconfig",
         post={"exists": [OUT], "only": ["out.onnx"]}, timeout_s=60)
    case("inspect-long-name", ["inspect", LN], 0, [], "a 40,000-character node name in the table", "onnx")

    # ---- bench --serve input ---------------------------------------------------------------------
    serve = ["bench", CNN, "--serve", "--warmup", "0"]
    for id, text, why in [("1e9", "1e9", "1e9 is not read as 1"), ("minus-1", "-1", "a negative count"),
                          ("zero", "0", "a zero count"), ("word", "abc", "not a number"),
                          ("two-numbers", "2 3", "two numbers on one line"),
                          ("overflow", "99999999999999999999", "past int64"),
                          ("too-many", "1000001", "above the 1,000,000 limit")]:
        case("serve-" + id, serve, 1, ["--serve", text], why + " (stdin of bench --serve)", "--serve input",
             stdin="1\n" + text + "\n")

    # ---- writes (issue 20) -----------------------------------------------------------------------
    case("write-o-symlink", quantize_static(out=T + "link.onnx"), 0, [],
         "-o names a symlink: the link is replaced by the new file, its target is untouched", "onnx",
         setup={"write": [["victim.onnx", "precious\n"]], "symlink": [["link.onnx", "victim.onnx"]]},
         post={"unchanged": [T + "victim.onnx"], "exists": [T + "link.onnx"], "only": ["link.onnx", "victim.onnx"]})
    case("write-old-temp-name", ["run", CNN, "--data", DATA, "-o", T + "out.npz"], 0, [],
         "a symlink planted at the old writer's temp name OUT.tmp.<pid> (pointing at a victim) is not followed",
         ".npz", setup={"write": [["victim", "precious\n"]], "plant_old_temp": [T + "out.npz", "victim"]},
         post={"unchanged": [T + "victim"], "exists": [T + "out.npz"]})
    case("write-o-external-data", ["quantize", T + "ext_ok.onnx", "-o", T + "ext_ok.bin", "--mode", "dynamic"], 1,
         ["ext_ok.bin"], "quantize -o onto the input model's own external-data file", "external data",
         setup={"copy": [["ext/ext_ok.onnx", "ext_ok.onnx"], ["ext/ext_ok.bin", "ext_ok.bin"]]},
         post={"unchanged": [T + "ext_ok.bin", T + "ext_ok.onnx"], "only": ["ext_ok.onnx", "ext_ok.bin"]})
    case("write-o-calib", quantize_static(calib=T + "calib.npz", out=T + "calib.npz"), 1, ["calib.npz"],
         "-o is the calibration file", ".npz", setup={"copy": [["tiny_data.npz", "calib.npz"]]},
         post={"unchanged": [T + "calib.npz"], "only": ["calib.npz"]})
    case("write-o-qconfig", quantize_static("--config", T + "qc.json", out=T + "qc.json"), 1, ["qc.json"],
         "-o is the qconfig file", "qconfig", setup={"copy": [["qc_dotstar.json", "qc.json"]]},
         post={"unchanged": [T + "qc.json"], "only": ["qc.json"]})
    case("write-o-model-dotdot", ["quantize", T + "m.onnx", "-o", T + "sub/../m.onnx", "--mode", "dynamic"], 1, ["m.onnx"],
         "-o is the model, spelled through sub/..", "onnx",
         setup={"copy": [["tiny_cnn.onnx", "m.onnx"]], "write": [["sub/.keep", ""]]},
         post={"unchanged": [T + "m.onnx"], "only": ["m.onnx", "sub"]})
    case("write-run-o-input", ["run", CNN, "-i", "image=" + T + "x.npy", "-o", T + "x.npy"], 1, ["x.npy"],
         "run -o onto its own -i file", ".npy", setup={"copy": [["tiny_image.npy", "x.npy"]]},
         post={"unchanged": [T + "x.npy"], "only": ["x.npy"]})
    case("write-o-directory", ["run", CNN, "--data", DATA, "-o", "{tmp}"], 1, ["directory"],
         "-o names a folder", ".npz", post={"only": []})
    case("write-o-missing-folder", quantize_static(out=T + "no/such/dir/out.onnx"), 1, ["out.onnx"],
         "-o inside a folder that does not exist", "onnx", post={"only": []})
    case("write-failed-quantize-leaves-nothing", quantize_static(calib=F + "calib_nan.npz"), 1, ["calib_nan.npz"],
         "a refused quantize leaves no output and no temp file", ".npz", post=NO_OUT)

    # ---- the debugging tools (issue 21) --------------------------------------------------------
    QDQ = F + "tiny_cnn_qdq.onnx"
    case("compare-swapped", ["compare", QDQ, CNN, "--data", DATA], 1, ["tiny_cnn_qdq.onnx", "quantization"],
         "the quantized model given first", "onnx")
    case("compare-float-twice", ["compare", CNN, CNN, "--data", DATA], 1, ["tiny_cnn.onnx", "no quantization"],
         "a float model as the quantized one", "onnx")
    case("compare-npy-short", ["compare", CNN, QDQ, "--data", F + "npy_short.npy"], 1, ["npy_short.npy"],
         "a truncated .npy as the data", ".npy")
    case("compare-data-nan", ["compare", CNN, QDQ, "--data", F + "calib_nan.npz"], 1,
         ["calib_nan.npz", "sample 5", "NaN"], "a NaN in the data would make every SQNR NaN", ".npz")
    case("compare-no-data", ["compare", CNN, QDQ], 2, ["--data"], "compare without --data", "cli")
    case("compare-top-negative", ["compare", CNN, QDQ, "--data", DATA, "--top", "-1"], 2, ["--top"],
         "--top -1", "cli")
    case("sensitivity-labels-count", ["sensitivity", CNN, "--mode", "static", "--calib", DATA, "--data", DATA,
                                      "--labels", F + "tiny_labels_7.npy"], 1, ["tiny_labels_7.npy", "8"],
         "7 labels for 8 samples", "labels")
    case("sensitivity-labels-float", ["sensitivity", CNN, "--mode", "static", "--calib", DATA, "--data", DATA,
                                      "--labels", F + "tiny_image.npy"], 1, ["tiny_image.npy", "integer"],
         "float labels", "labels")
    case("sensitivity-no-calib", ["sensitivity", CNN, "--mode", "static", "--data", DATA], 2, ["--calib"],
         "static without --calib", "cli")
    case("sensitivity-dynamic-calib", ["sensitivity", CNN, "--mode", "dynamic", "--calib", DATA, "--data", DATA], 2,
         ["--calib"], "--calib with --mode dynamic", "cli")
    case("max-drop-no-eval", quantize_static("--max-drop", "1"), 2, ["--max-drop", "--eval"],
         "--max-drop without --eval", "cli", post=NO_OUT)
    case("max-drop-negative", quantize_static("--max-drop", "-1", "--eval", DATA), 2, ["--max-drop"],
         "--max-drop -1", "cli", post=NO_OUT)
    case("max-drop-eval-missing", quantize_static("--max-drop", "1", "--eval", F + "no_such.npz"), 1, ["no_such.npz"],
         "--eval names no file", ".npz", post=NO_OUT)
    case("max-drop-labels-count", quantize_static("--max-drop", "1", "--eval", DATA, "--labels",
                                                  F + "tiny_labels_7.npy"), 1, ["tiny_labels_7.npy", "8"],
         "7 labels for 8 samples", "labels", post=NO_OUT)
    case("max-drop-o-eval", quantize_static("--max-drop", "1", "--eval", T + "eval.npz", out=T + "eval.npz"), 1,
         ["eval.npz"], "-o onto the evaluation data", "cli", setup={"copy": [["tiny_data.npz", "eval.npz"]]},
         post={"unchanged": [T + "eval.npz"], "only": ["eval.npz"]})
    case("qparams-npy-short", ["inspect", "--qparams", QDQ, "--data", F + "npy_short.npy"], 1, ["npy_short.npy"],
         "a truncated .npy as inspect --qparams --data", ".npy")

    # ---- command-line values ------------------------------------------------------------------
    case("flag-threads-0", ["bench", CNN, "--threads", "0"], 2, ["--threads"], "--threads 0", "cli")
    case("flag-threads-negative", ["run", CNN, "--data", DATA, "--threads", "-1"], 2, ["--threads"], "--threads -1", "cli")
    case("flag-threads-word", ["eval", CNN, "--data", DATA, "--labels", LABELS, "--threads", "two"], 2, ["--threads"],
         "--threads two", "cli")
    case("flag-batch-negative", ["eval", CNN, "--data", DATA, "--labels", LABELS, "--batch", "-1"], 2, ["--batch"],
         "--batch -1", "cli")
    case("flag-batch-0", ["bench", CNN, "--batch", "0"], 2, ["--batch"], "--batch 0", "cli")
    case("flag-samples-0", quantize_static(samples="0"), 2, ["--samples"], "--samples 0", "cli", post=NO_OUT)
    case("flag-iters-0", ["bench", CNN, "--iters", "0"], 2, ["--iters"], "--iters 0", "cli")
    case("flag-warmup-negative", ["bench", CNN, "--warmup", "-1"], 2, ["--warmup"], "--warmup -1", "cli")
    case("flag-bias-correction-samples-0", quantize_static(bc_samples="0"), 2,
         ["--bias-correction-samples"], "--bias-correction-samples 0", "cli", post=NO_OUT)
    case("flag-mode-fancy", ["quantize", CNN, "-o", OUT, "--mode", "fancy"], 2, ["--mode"], "--mode fancy", "cli", post=NO_OUT)
    case("flag-observer-unknown", quantize_static("--observer", "oracle"), 2, ["--observer"], "--observer oracle", "cli",
         post=NO_OUT)
    case("flag-act-dtype-u4", quantize_static("--act-dtype", "u4"), 2, ["--act-dtype"], "--act-dtype u4", "cli", post=NO_OUT)
    case("flag-data-layout", ["run", CNN, "--data", DATA, "--data-layout", "sideways"], 2, ["--data-layout"],
         "--data-layout sideways", "cli")
    case("flag-static-no-calib", ["quantize", CNN, "-o", OUT, "--mode", "static"], 2, ["--calib"],
         "--mode static without --calib", "cli", post=NO_OUT)
    case("flag-exclude-no-node", quantize_static("--exclude", "no_such_node"), 1, ["--exclude", "no_such_node"],
         "--exclude names no node", "cli", post=NO_OUT)
    case("flag-exclude-no-node-dynamic", ["quantize", CNN, "-o", OUT, "--mode", "dynamic", "--exclude", "no_such_node"],
         1, ["--exclude", "no_such_node"], "--exclude names no node (dynamic)", "cli", post=NO_OUT)
    case("flag-ops-unknown", ["quantize", CNN, "-o", OUT, "--mode", "dynamic", "--ops", "Softmax"], 1,
         ["--ops", "Softmax"], "--ops names an op type dynamic quantization does not take", "cli", post=NO_OUT)
    case("flag-dim-word", ["bench", CNN, "--dim", "batch=abc", "--iters", "1"], [1, 2], ["--dim", "batch=abc"],
         "--dim X=abc", "cli")
    case("flag-dim-zero", ["inspect", CNN, "--dim", "batch=0"], [1, 2], ["--dim", "batch=0"], "--dim batch=0", "cli")
    case("flag-dim-no-symbol", ["inspect", CNN, "--dim", "=4"], [1, 2], ["--dim", "=4"], "--dim =4", "cli")
    case("flag-dim-huge", ["bench", CNN, "--dim", "batch=100000000000", "--iters", "1"], 1, ["100000000000", ["image", "--dim", "batch"]],
         "a batch of 1e11 synthesized inputs (6.4 TB): refused by size, not allocated", "cli", timeout_s=30,
         max_rss_mb=1024)
    case("flag-i-no-equals", ["run", CNN, "-i", "image"], [1, 2], ["-i", "image"], "-i without =FILE", "cli")
    case("flag-i-no-name", ["run", CNN, "-i", "=" + F + "tiny_image.npy"], [1, 2], ["-i"], "-i =FILE", "cli")
    case("flag-i-no-file", ["run", CNN, "-i", "image="], [1, 2], ["-i", "image="], "-i NAME=", "cli")
    case("flag-i-unknown-input", ["run", CNN, "-i", "pixels=" + F + "tiny_image.npy"], 1, ["pixels"],
         "-i names no input of the model", "cli")
    case("flag-i-wrong-dtype-int", ["run", F + "int_input.onnx", "-i", "ids=" + F + "ext_x.npy"], 1, ["ids", "int64"],
         "float32 data for an int64 input", "cli")
    # ---- qat ---------------------------------------------------------------------------------------
    def qat(*extra, labels=LABELS, data=DATA):
        return ["qat", CNN, "--train", data, "--labels", labels, "--epochs", "1", "--batch", "4", "-o", OUT,
                "--no-checkpoint", *extra]
    case("qat-label-99", qat(labels=F + "labels_99.npy"), 1, ["label 99", "sample 3", "10 classes"],
         "a label past the model's 10 classes", "labels", post=NO_OUT)
    case("qat-label-float", qat(labels=F + "labels_float.npy"), 1, ["labels_float.npy"],
         "float labels", "labels", post=NO_OUT)
    case("qat-labels-short", qat(labels=F + "labels_short.npy"), 1, ["labels_short.npy"],
         "7 labels for 8 samples", "labels", post=NO_OUT)
    case("qat-no-labels", ["qat", CNN, "--train", DATA, "-o", OUT], 2, ["--labels"],
         "neither labels nor --distill", "cli", post=NO_OUT)
    case("qat-nan-train", qat(data=F + "calib_nan.npz"), 1, ["calib_nan.npz", "sample 5", "element 7"],
         "a NaN among the training samples", "npz", post=NO_OUT)
    case("qat-freeze-observers-0", qat("--freeze-observers-after", "0"), 2, ["--freeze-observers-after"],
         "observers frozen before they saw anything", "cli", post=NO_OUT)
    case("qat-resume-no-state", qat("--resume", F + "ckpt_no_state.npz"), 1, ["ckpt_no_state.npz", "checkpoint"],
         "an .npz that is no checkpoint", "npz", post=NO_OUT)
    case("qat-resume-bad-json", qat("--resume", F + "ckpt_bad_json.npz"), 1, ["ckpt_bad_json.npz", "malformed"],
         "a checkpoint whose state is cut short", "npz", post=NO_OUT)
    case("qat-resume-other-format", qat("--resume", F + "ckpt_other_format.npz"), 1,
         ["ckpt_other_format.npz", "not an octet QAT checkpoint"], "another program's state", "npz", post=NO_OUT)
    case("qat-resume-missing", qat("--resume", T + "no_such.ckpt.npz"), 1, ["no_such.ckpt.npz"],
         "no such checkpoint", "npz", post=NO_OUT)
    case("qat-checkpoint-over-data", ["qat", CNN, "--train", DATA, "--labels", LABELS, "-o", OUT, "--checkpoint",
                                      DATA], 1, ["tiny_data.npz"], "a checkpoint path naming the training data", "cli",
         post={"absent": [OUT]})

    case("verb-unknown", ["frobnicate", CNN], 2, ["frobnicate"], "an unknown verb", "cli")
    case("verb-none", [], 2, ["subcommand"], "no verb at all", "cli")
    case("verb-unknown-flag", ["run", CNN, "--turbo"], 2, ["--turbo"], "an unknown flag", "cli")
    case("verb-no-model", ["eval", "--data", DATA, "--labels", LABELS], 2, ["model"], "eval without MODEL", "cli")
    case("verb-extra-positional", ["inspect", CNN, CNN], 2, ["tiny_cnn.onnx"], "two models to inspect", "cli")


def main():
    make_files()
    make_cases()
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump({"version": 1, "cases": CASES}, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(FILES) for n in ns
                if not os.path.islink(os.path.join(d, n)))
    print(f"{len(CASES)} cases, {sum(len(ns) for _, _, ns in os.walk(FILES))} files, {total} bytes in {FILES}")


if __name__ == "__main__":
    sys.exit(main())
