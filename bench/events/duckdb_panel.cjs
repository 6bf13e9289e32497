// duckdb_panel.cjs - the events benchmark's DuckDB side: the same country-month or
// grid-month aggregation as `humsec events panel` (non-empty unit-months only), written as
// CSV unit,month_id,events_sb,events_ns,events_os,deaths_sb,deaths_ns,deaths_os.
// Usage: node duckdb_panel.cjs IN.csv OUT.csv country|grid THREADS
const { DuckDBInstance } = require('@duckdb/node-api');

async function main() {
  const [inp, out, level, threads] = process.argv.slice(2);
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`SET threads = ${Number(threads) || 2}`);
  const unit = level === 'grid'
    ? 'CAST(floor((latitude + 90) / 0.5) AS BIGINT) * 720 + CAST(floor((longitude + 180) / 0.5) AS BIGINT) + 1'
    : 'country_id';
  const where = level === 'grid' ? 'WHERE where_prec < 6' : '';
  const per = (t) => `count(*) FILTER (WHERE type_of_violence = ${t})`;
  const dea = (t) => `coalesce(sum(best) FILTER (WHERE type_of_violence = ${t}), 0)`;
  const q = `COPY (SELECT ${unit} AS unit,
      (CAST(substr(date_start, 1, 4) AS INTEGER) - 1980) * 12 + CAST(substr(date_start, 6, 2) AS INTEGER) AS month_id,
      ${per(1)} AS events_sb, ${per(2)} AS events_ns, ${per(3)} AS events_os,
      ${dea(1)} AS deaths_sb, ${dea(2)} AS deaths_ns, ${dea(3)} AS deaths_os
    FROM read_csv('${inp}', header = true, types = {'date_start': 'VARCHAR'})
    ${where} GROUP BY ALL ORDER BY unit, month_id) TO '${out}' (HEADER, DELIMITER ',')`;
  await con.run(q);
}
main().catch((e) => { console.error(e); process.exit(1); });
