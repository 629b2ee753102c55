"""BERT-base forward latency on the GPU at hand, beside the A30 table the calibrated stand-in uses.

The calibrated stand-in of `tandem bench` (A30Calibration) waits what NVIDIA's TensorRT BERT demo
publishes for BERT-base on an A30 (FP16, sequence 128). This script measures the same shapes on a
real GPU so that the two can be set side by side: BERT-base (12 layers, hidden 768, 12 heads,
intermediate 3072) with random weights (the time does not depend on them), FP16, sequence 128,
batches 1 to 128, inputs already on the device, as the table's are.

Two ways, both PyTorch:
  eager       one forward pass as a program issues it (a kernel launch at a time);
  cuda_graph  the same pass captured once as a CUDA graph and replayed (no launch gaps), which is
              closer to what a TensorRT engine does.
ONNX Runtime's CUDA execution provider too, where the installed onnxruntime offers it.

Each time is the median of 50 passes timed with CUDA events, after 10 untimed ones.

Usage: python3 bert_forward.py OUT.json
"""

import json
import statistics
import sys
import time

import torch
from transformers import BertConfig, BertModel

SEQUENCE = 128
BATCHES = [1, 2, 4, 8, 16, 32, 64, 128]
# NVIDIA TensorRT demo/BERT README, A30, FP16, sequence 128, average ms (A30Calibration's table).
A30_MS = {1: 0.89, 2: 1.13, 4: 1.54, 8: 2.50, 16: 4.44, 32: 8.63, 64: 17.17, 128: 33.58}
WARM_UP = 10
TIMED = 50


def timed(run):
    """Median, 10th and 90th percentile of TIMED passes, in ms, timed with CUDA events."""
    for _ in range(WARM_UP):
        run()
    torch.cuda.synchronize()
    times = []
    for _ in range(TIMED):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        run()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p10_ms": times[len(times) // 10],
        "p90_ms": times[-1 - len(times) // 10],
    }


def relative_error(model16, model32, ids):
    """||fp16 - fp32|| / ||fp32|| of the last hidden state: the FP16 pass computes the same."""
    with torch.inference_mode():
        half = model16(input_ids=ids).last_hidden_state.float()
        full = model32(input_ids=ids).last_hidden_state
    return (torch.linalg.norm(half - full) / torch.linalg.norm(full)).item()


def eager(model, ids):
    def run():
        with torch.inference_mode():
            model(input_ids=ids)

    return run


def cuda_graph(model, ids):
    static_ids = ids.clone()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.inference_mode():
        with torch.cuda.stream(side):
            for _ in range(3):
                model(input_ids=static_ids)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            model(input_ids=static_ids)
    return graph.replay


def onnx_runtime_cuda(model32, batches):
    """Per batch: ONNX Runtime's CUDA provider on an FP16 export, or why it did not run."""
    try:
        import onnxruntime as ort
    except ImportError as missing:
        return {"skipped": f"onnxruntime not installed: {missing}"}
    providers = ort.get_available_providers()
    if "CUDAExecutionProvider" not in providers:
        return {"skipped": f"onnxruntime {ort.__version__} offers {providers}, no CUDA provider"}
    path = "/tmp/bert-base-fp16.onnx"
    model16 = model32.half()
    ids = torch.randint(1000, 30000, (1, SEQUENCE), device="cuda")
    torch.onnx.export(
        model16,
        (ids,),
        path,
        input_names=["input_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    session = ort.InferenceSession(path, providers=["CUDAExecutionProvider"])
    results = {"version": ort.__version__}
    for batch in batches:
        ids = torch.randint(1000, 30000, (batch, SEQUENCE), device="cuda")
        out = torch.empty((batch, SEQUENCE, 768), dtype=torch.float16, device="cuda")
        binding = session.io_binding()
        binding.bind_input("input_ids", "cuda", 0, torch.int64, ids.shape, ids.data_ptr())
        binding.bind_output(
            "last_hidden_state", "cuda", 0, torch.float16, out.shape, out.data_ptr()
        )
        results[batch] = timed(lambda: session.run_with_iobinding(binding))
    return results


def main():
    out_path = sys.argv[1]
    started = time.time()
    torch.manual_seed(0)
    device = torch.cuda.get_device_name(0)
    config = BertConfig()  # bert-base-uncased's shape: 12 x 768, 12 heads, 3072, vocab 30522
    model32 = BertModel(config, add_pooling_layer=False).cuda().eval()
    model16 = BertModel(config, add_pooling_layer=False).cuda().eval()
    model16.load_state_dict(model32.state_dict())
    model16 = model16.half()

    check_ids = torch.randint(1000, 30000, (8, SEQUENCE), device="cuda")
    error = relative_error(model16, model32, check_ids)
    print(f"fp16 vs fp32 relative error {error:.2e}", flush=True)
    if not error < 1e-2:
        raise SystemExit(f"FP16 forward disagrees with FP32: relative error {error}")

    rows = {}
    for batch in BATCHES:
        ids = torch.randint(1000, 30000, (batch, SEQUENCE), device="cuda")
        row = {"a30_ms": A30_MS[batch], "eager": timed(eager(model16, ids))}
        try:
            row["cuda_graph"] = timed(cuda_graph(model16, ids))
        except Exception as failed:  # capture can fail on some library versions: say so
            row["cuda_graph"] = {"failed": repr(failed)}
        rows[batch] = row
        print(f"batch {batch:4d}: {json.dumps(row)}", flush=True)

    try:
        ort_rows = onnx_runtime_cuda(model32, BATCHES)
    except Exception as failed:
        ort_rows = {"failed": repr(failed)}
    print(f"onnxruntime: {json.dumps(ort_rows)}", flush=True)

    report = {
        "device": device,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "model": "BERT-base (12 x 768, 12 heads, 3072), random weights, FP16",
        "sequence": SEQUENCE,
        "fp16_vs_fp32_relative_error": error,
        "timed_passes": TIMED,
        "warm_up_passes": WARM_UP,
        "batches": rows,
        "onnxruntime_cuda": ort_rows,
        "wall_s": time.time() - started,
    }
    with open(out_path, "w") as out:
        json.dump(report, out, indent=2)

    print(f"\n{device}, torch {torch.__version__}, BERT-base FP16, sequence {SEQUENCE}")
    print("batch | A30 TensorRT ms | eager ms | CUDA graph ms | graph ms per sequence")
    for batch, row in rows.items():
        graph = row["cuda_graph"].get("median_ms", float("nan"))
        print(
            f"{batch:5d} | {row['a30_ms']:15.2f} | {row['eager']['median_ms']:8.3f} |"
            f" {graph:13.3f} | {graph / batch:8.4f}"
        )


if __name__ == "__main__":
    main()
