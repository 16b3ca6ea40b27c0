// How the CLI gets model inputs: `-i NAME=FILE.npy` pairs, a `--data FILE.npz|.npy` file, or
// synthesized values for benchmarking and shape probing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "octet/runtime.h"
#include "octet/samples.h"

namespace octet::cli {

// Reads `-i NAME=FILE` pairs and an optional data file (an .npz keyed by input names, or an .npy for a
// single-input model). octet::Error naming the file or the input on a bad pair or unknown name.
std::map<std::string, Tensor> load_inputs(const Graph& g, const std::vector<std::string>& pairs,
                                          const std::string& data_file);

// Reads a .npy of `samples` integer class labels (eval, sensitivity, quantize --max-drop).
// octet::Error naming the file for another dtype or count, or a uint64 label past INT64_MAX.
std::vector<int64_t> load_labels(const std::string& path, int64_t samples);

// Parses `SYMBOL=N` pairs of --dim.
std::map<std::string, int64_t> parse_dims(const std::vector<std::string>& pairs);

// Refuses an output path that names one of the files the command read (the model, its external
// data, data, config): an input is never overwritten. Empty names are skipped.
void check_output_path(const std::string& out, const std::vector<std::string>& inputs);

// The total size of the files (a model and its external data); unreadable ones count 0.
uintmax_t bytes_on_disk(const std::vector<std::string>& files);

}  // namespace octet::cli
