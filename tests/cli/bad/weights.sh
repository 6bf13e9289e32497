# weights.sh - `humsec weights` (sourced by tests/cli/bad_inputs.sh): each bad use a clear
# message, its exit status, nothing written.

base; check weights_no_pipeline 2 "no pipeline file given" weights
base; check weights_unknown_option 2 "unknown option '--all'" weights p.pipeline --all
base; check weights_no_file 2 "-o needs a file" weights p.pipeline -o
base; check weights_over_input 3 "s.csv" weights p.pipeline -o s.csv
base; sed -i "s/^method = arithmetic/method = arithmetc/" "$tmp/w/p.pipeline"
check weights_bad_pipeline 6 "p.pipeline:11:10: unknown aggregation" weights p.pipeline
base; check weights_valid 0 "" weights p.pipeline
