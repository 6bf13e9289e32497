# panel.sh - the panel options (sourced by tests/cli/bad_inputs.sh): imputation from a unit's
# own years and `humsec trends`, each bad use a clear message, its exit status, nothing
# written.

# panel_base: the small index of base() with two years per unit, b missing for AAA in 2021.
panel_base() {
    base
    cat >"$tmp/w/d.csv" <<'CSV'
uCode,uName,grp,Time,a,b,c
AAA,Alpha,x,2020,1,2,3
AAA,Alpha,x,2021,2,NA,4
BBB,Beta,x,2020,4,5,6
BBB,Beta,x,2021,5,6,7
CCC,Gamma,y,2020,7,8,9
CCC,Gamma,y,2021,8,9,10
CSV
}

base; sed -i 's/^\[normalise\]/[impute]\nmethod = linear\n\n[normalise]/' "$tmp/w/p.pipeline"
check impute_linear_no_time 6 "p.pipeline:8:10: imputation 'linear' fills a unit's gaps from its other years, but the data has no time"
base; sed -i 's/^\[normalise\]/[impute]\nmethod = constant\n\n[normalise]/' "$tmp/w/p.pipeline"
check impute_constant_no_time 6 "p.pipeline:8:10: imputation 'constant' fills a unit's gaps"
panel_base; sed -i 's/^\[normalise\]/[impute]\nmethod = lineer\n\n[normalise]/' "$tmp/w/p.pipeline"
check impute_unknown 6 "p.pipeline:8:10: unknown imputation 'lineer' (expected mean, median, mean_group, median_group, latest, linear, constant or none)"
panel_base; sed -i 's/^\[normalise\]/[impute]\nmethod = constant\n\n[normalise]/' "$tmp/w/p.pipeline"
check impute_constant_valid 0 "wrote"
base; check trends_no_time 2 "trends need data over time" trends p.pipeline
panel_base; check trends_unknown_dset 2 "no dataset 'Nowhere' in this build" trends p.pipeline --dset Nowhere
panel_base; check trends_window_one 2 "--window is '1' (expected a whole number of times from 2 to 100000)" trends p.pipeline --window 1
panel_base; check trends_window_text 2 "--window is '2x'" trends p.pipeline --window 2x
panel_base; check trends_window_missing 2 "--window needs a value" trends p.pipeline --window
panel_base; check trends_no_pipeline 2 "no pipeline file given" trends
panel_base; check trends_over_input 3 "d.csv" trends p.pipeline -o d.csv
panel_base; check trends_valid 0 "trends of 9 series of 'Raw'" trends p.pipeline
