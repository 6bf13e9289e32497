# weights.sh - `humsec weights` (sourced by tests/cli/bad_inputs.sh): each bad use a clear
# message, its exit status, nothing written.

base; check weights_no_pipeline 2 "no pipeline file given" weights
base; check weights_unknown_option 2 "unknown option '--all'" weights p.pipeline --all
base; check weights_no_file 2 "-o needs a file" weights p.pipeline -o
base; check weights_over_input 3 "s.csv" weights p.pipeline -o s.csv
base; sed -i "s/^method = arithmetic/method = arithmetc/" "$tmp/w/p.pipeline"
check weights_bad_pipeline 6 "p.pipeline:11:10: unknown aggregation" weights p.pipeline
base; check weights_valid 0 "" weights p.pipeline
base; sed -i 's/^method = arithmetic/method = arithmetic\nweights = pca(x)/' "$tmp/w/p.pipeline"
check pca_text 6 "p.pipeline:12:11: 'pca(x)' is not a weight set (expected structure, the NAME of a [weights NAME] section, or pca(LEVEL))"
base; sed -i 's/^method = arithmetic/method = arithmetic\nweights = pca(3)/' "$tmp/w/p.pipeline"
check pca_top_level 6 "p.pipeline:12:11: pca(3): no aggregate of s.csv has only children of level 3 (expected a level from 1 to 2"
base; sed -i 's/^method = arithmetic/method = arithmetic\nweights = pca(2) x/' "$tmp/w/p.pipeline"
check pca_trailing 6 "'pca(2) x' is not a weight set"
base; sed -i 's/^method = arithmetic/method = arithmetic\nweights = pca(1)/' "$tmp/w/p.pipeline"
sed -i 's/^\(...\),\([A-Za-z]*\),\(.\),\([0-9]*\),/\1,\2,\3,5,/' "$tmp/w/d.csv"
check pca_no_rows 7 "p.pipeline:10: PCA weights of the children of 'P1': PCA needs at least 2 rows with every column present, found 0" weights p.pipeline
base; sed -i 's/^method = arithmetic/method = arithmetic\nweights = pca(1)/' "$tmp/w/p.pipeline"
check pca_balanced 7 "p.pipeline:10: PCA weights of the children of 'P1' sum to 0" weights p.pipeline
base; sed -i 's/^method = arithmetic/method = arithmetic\nweights = pca(1)/' "$tmp/w/p.pipeline"
sed -i 's/^AAA,Alpha,x,1,2,/AAA,Alpha,x,1,9,/; s/^CCC,Gamma,y,7,8,/CCC,Gamma,y,7,2,/' "$tmp/w/d.csv"
check pca_valid 0 "" weights p.pipeline
