import type { Columns } from "./metric-data.ts";
import { formatPercent, formatRate } from "./metric-data.ts";

const cell = (v: number | null, f: (n: number) => string) => (v === null ? "–" : f(v));

/** Every point of the range as a table: the charts' full text alternative. */
export function MetricTable({ id, cols, rangeWords }: { id: string; cols: Columns; rangeWords: string }) {
  return (
    <div class="table-scroll" id={id}>
      <table class="metric-table">
        <caption>Metrics, {rangeWords}, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">CPU</th>
            <th scope="col">CPU highest</th>
            <th scope="col">Memory</th>
            <th scope="col">Disk</th>
            <th scope="col">Received</th>
            <th scope="col">Sent</th>
          </tr>
        </thead>
        <tbody>
          {cols.t
            .map((t, i) => (
              <tr key={t}>
                <th scope="row">{new Date(t).toLocaleString()}</th>
                <td>{cell(cols.cpu[i]!, formatPercent)}</td>
                <td>{cell(cols.cpu_max[i]!, formatPercent)}</td>
                <td>{cell(cols.memory[i]!, formatPercent)}</td>
                <td>{cell(cols.disk[i]!, formatPercent)}</td>
                <td>{cell(cols.net_rx[i]!, formatRate)}</td>
                <td>{cell(cols.net_tx[i]!, formatRate)}</td>
              </tr>
            ))
            .reverse()}
        </tbody>
      </table>
    </div>
  );
}
