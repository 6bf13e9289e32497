# bad/analysis.sh - `humsec compare`, `humsec whatif` and `humsec corr` on the small index
# of bad_inputs.sh: wrong arguments, builds that cannot be matched, an output folder holding an
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

base
check whatif_no_level 2 "no level given (--remove level=N)" whatif p.pipeline -o out
base
check whatif_bad_level 2 "--remove is 'pillars' (expected level=N, N a whole number" \
    whatif p.pipeline --remove pillars -o out
base
check whatif_level_zero 2 "--remove is 'level=0'" whatif p.pipeline --remove level=0 -o out
base
check whatif_level_too_high 2 "level 3: expected a level from 1 to 2, below the target 'Top'" \
    whatif p.pipeline --remove level=3 -o out
base
check whatif_unknown_target 2 "no aggregate 'P9' in the structure (the target must be one)" \
    whatif p.pipeline --remove level=1 --target P9 -o out
base
check whatif_indicator_target 2 "no aggregate 'a' in the structure" \
    whatif p.pipeline --remove level=1 --target a -o out
base
check whatif_two_pipelines 2 "unexpected argument 'p.pipeline'" \
    whatif p.pipeline p.pipeline --remove level=1 -o out
base
sed '/^\[aggregate\]/,$d' "$tmp/w/p.pipeline" >"$tmp/w/pn.pipeline"
check whatif_no_aggregate 2 "pn.pipeline: the pipeline has no [aggregate] step" \
    whatif pn.pipeline --remove level=1 -o out
base
check whatif_out_holds_input 3 "output folder holds an input of this run" \
    whatif p.pipeline --remove level=1 -o .

base
check corr_no_pipeline 2 "no pipeline file given" corr -o out
base
check corr_threshold_not_number 2 "--threshold is 'high' (expected a number)" \
    corr p.pipeline --threshold high -o out
base
check corr_threshold_nan 2 "--threshold is 'nan' (expected a number)" \
    corr p.pipeline --threshold nan -o out
base
check corr_threshold_range 2 "thresholds 1.5 and 0.6: expected a correlation from -1 to 1" \
    corr p.pipeline --threshold 1.5 -o out
base
check corr_denom_threshold_range 2 "thresholds 0.9 and -0.2" \
    corr p.pipeline --denom-threshold -0.2 -o out
base
check corr_level_zero 2 "--level is '0' (expected a level, a whole number from 1)" \
    corr p.pipeline --level 0 -o out
base
check corr_group_level_low 2 "level 2 grouped by level 2: expected 1 <= level < group level <= 3" \
    corr p.pipeline --level 2 --group-level 2 -o out
base
check corr_group_level_high 2 "level 1 grouped by level 4" \
    corr p.pipeline --group-level 4 -o out
base
check corr_unknown_dset 2 "the build has no dataset 'Treated'" corr p.pipeline --dset Treated -o out
base
check corr_unknown_denom_dset 2 "the build has no dataset 'Denominated'" \
    corr p.pipeline --denom-dset Denominated -o out
base
check corr_missing_value 2 "--level needs a value" corr p.pipeline --level
base
check corr_out_holds_input 3 "output folder holds an input of this run" corr p.pipeline -o .
