import { useEffect } from "react";
import { CsvImport } from "./CsvImport";
import { DownloadForm, DownloadList } from "./DownloadForm";
import { followRunning } from "./downloads";
import { SeriesTable } from "./SeriesTable";

/** Real markets: what is stored, downloads from exchanges with progress, CSV import, derived timeframes. */
export function DataPage() {
  useEffect(() => {
    void followRunning();
  }, []);
  return (
    <div className="page" data-testid="data-page">
      <div className="page-main">
        <div className="page-head">
          <div>
            <h2>Market data</h2>
            <p>Candles stored on this server. Backtests run on them; downloads continue where they stopped.</p>
          </div>
        </div>
        <div className="page-scroll">
          <DownloadList />
          <SeriesTable />
        </div>
      </div>
      <aside className="page-side">
        <div className="side-head">Download from an exchange</div>
        <div className="scroll side-pad">
          <DownloadForm />
          <div className="side-head inline">Import a CSV file</div>
          <CsvImport />
        </div>
      </aside>
    </div>
  );
}
