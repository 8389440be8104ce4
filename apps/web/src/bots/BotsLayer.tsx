import { BotsSync, botsUi, useBotsUi } from "./live";
import { DeployDialog } from "./DeployDialog";

/** Mounted once by the app: live bot updates (SSE) and the deploy dialog, reachable from any view. */
export function BotsLayer() {
  const deployOpen = useBotsUi((s) => s.deployOpen);
  return (
    <>
      <BotsSync />
      {deployOpen && <DeployDialog onClose={() => botsUi.setState({ deployOpen: false })} />}
    </>
  );
}

export function openDeploy(): void {
  botsUi.setState({ deployOpen: true });
}
