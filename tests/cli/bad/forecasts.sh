# forecasts.sh - bad forecast inputs (sourced by bad_inputs.sh): a forecast summary given to
# the report without a needed column, with a value that is not a number, or with its leads
# out of order; a country-month table with a negative count stored with --db. Each names the
# file (and line and column), exits 4, writes no page and leaves no store behind.

fc_summary() {
    printf 'unit,origin,lead,month,month_id,q05,q25,q50,q75,q95,p_ge1,p_ge25,p_ge1000,mean_ln1p\n' >"$1"
    for l in 1 2 3 4 5 6 7 8 9 10 11 12; do
        printf 'AAA,2023-12,%s,2024-01,529,0,0,1,2,5,0.6,0.1,0,0.7\n' "$l" >>"$1"
    done
}

base; (cd "$tmp/w" && "$bin" build p.pipeline -o b -q) || echo "FAIL: setup build into b"
fc_summary "$tmp/w/f.csv"
sed -i 's/,p_ge25,/,p25,/' "$tmp/w/f.csv"
check fc_summary_column 4 "f.csv:1:1: a forecast summary needs a column 'p_ge25'" \
    report b -o out/r.html --forecasts f.csv
base; (cd "$tmp/w" && "$bin" build p.pipeline -o b -q) || echo "FAIL: setup build into b"
fc_summary "$tmp/w/f.csv"
sed -i '3s/,0.1,0,0.7$/,x,0,0.7/' "$tmp/w/f.csv"
check fc_summary_number 4 "f.csv:3:" report b -o out/r.html --forecasts f.csv
base; (cd "$tmp/w" && "$bin" build p.pipeline -o b -q) || echo "FAIL: setup build into b"
fc_summary "$tmp/w/f.csv"
sed -i '4s/^AAA,2023-12,3,/AAA,2023-12,5,/' "$tmp/w/f.csv"
check fc_summary_leads 4 "the leads of each unit must run 1, 2, 3" report b -o out/r.html \
    --forecasts f.csv
base; printf 'country_id,month_id,ged_sb\n1,400,0\n1,401,-3\n' >"$tmp/w/t.csv"
check fc_store_negative 4 "t.csv:3:" forecast --table t.csv --db out.db --geo "$here/../../data/geo"
[ -e "$tmp/w/out.db" ] && { fail=$((fail + 1)); echo "FAIL fc_store_negative: a store was left behind"; }
