# bad/analysis.sh - `humsec compare` and `humsec whatif` on the small index of
# bad_inputs.sh: wrong arguments, builds that cannot be matched, an output folder holding an
# input. Sourced by tests/cli/bad_inputs.sh (uses base, check, pass and fail).

# an_variant NAME DATA-LINE: a copy of p.pipeline with a data option added (time = 2020)
an_variant() {
    sed "s/^file = d.csv/file = d.csv\n$2/" "$tmp/w/p.pipeline" >"$tmp/w/$1"
}

base
check compare_one_pipeline 2 "two pipeline files are needed (A and B)" compare p.pipeline -o out
base
check compare_three_pipelines 2 "unexpected argument 'p.pipeline' (expected two pipelines)" \
    compare p.pipeline p.pipeline p.pipeline -o out
base
check compare_unknown_option 2 "unknown option '--level'" compare p.pipeline p.pipeline --level 2
base
check compare_no_o_value 2 "-o needs a folder" compare p.pipeline p.pipeline -o
base; an_variant pt.pipeline "time = 2020"
check compare_time_mismatch 2 \
    "p.pipeline: its data has no Time column and pt.pipeline's has one: units cannot be matched" \
    compare p.pipeline pt.pipeline -o out
base
check compare_missing_b 3 "nope.pipeline: cannot open file" compare p.pipeline nope.pipeline -o out
base
check compare_out_holds_input 3 "output folder holds an input of this run" \
    compare p.pipeline p.pipeline -o .
base
sed -e 's/^1,a,/1,x,/' -e 's/^1,b,/1,y,/' -e 's/^1,c,/1,z,/' -e 's/P1/Q1/g' -e 's/P2/Q2/g' \
    -e 's/Top/All/g' "$tmp/w/s.csv" >"$tmp/w/s2.csv"
sed 's/^uCode,uName,grp,a,b,c/uCode,uName,grp,x,y,z/' "$tmp/w/d.csv" >"$tmp/w/d2.csv"
sed -e 's/^structure = s.csv/structure = s2.csv/' -e 's/^file = d.csv/file = d2.csv/' \
    "$tmp/w/p.pipeline" >"$tmp/w/p2.pipeline"
check compare_nothing_common 2 "p2.pipeline: no structure node in common with p.pipeline" \
    compare p.pipeline p2.pipeline -o out
