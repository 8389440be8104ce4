import { useMemo } from "react";
import { getBlock, paramFieldsFor, type CompileIssue } from "@keyflow/core";
import { editorStore, useEditor } from "./store";
import { ParamForm } from "./ParamForm";
import { danglingEdge, issueWhere } from "./validation";
import { count } from "../ui/format";
import { DevDetail, DetailsToggle } from "../ui/Details";
import { CATEGORY_COLOR, CATEGORY_LABEL } from "./theme";

function BlockParams({ nodeId }: { nodeId: string }) {
  const node = useEditor((s) => s.flow.nodes.find((n) => n.id === nodeId));
  const edges = useEditor((s) => s.flow.edges);
  const validation = useEditor((s) => s.validation);
  const errors = useMemo<CompileIssue[]>(() => (validation.ok ? [] : validation.errors.filter((e) => e.nodeId === nodeId)), [validation, nodeId]);
  if (!node) return null;
  const block = getBlock(node.kind);
  if (!block) return <div className="empty-note">Unknown block “{node.kind}”. Delete it.</div>;
  const connected = new Set(edges.filter((e) => e.target === nodeId).map((e) => e.targetHandle));
  const hidden = new Set(block.inputs.filter((p) => p.fallbackParam && connected.has(p.name)).map((p) => p.fallbackParam!));
  return (
    <div className="panel-section" data-testid="params-panel">
      <div className="block-head">
        <h2>
          <span className="bn-cat" style={{ background: CATEGORY_COLOR[block.category] }} />
          {block.label}
          <span className="id">{node.id}</span>
        </h2>
        <p>{block.help}</p>
      </div>
      <ParamForm
        fields={paramFieldsFor(block, node.params)}
        values={node.params}
        errors={errors}
        hidden={hidden}
        onChange={(key, value) => editorStore.getState().setParam(nodeId, key, value)}
        ranges={node.ranges}
        onRange={(key, range) => editorStore.getState().setParamRange(nodeId, key, range)}
      />
      {(block.inputs.length > 0 || block.outputs.length > 0) && (
        <div className="ports-info">
          {block.inputs.map((p) => (
            <div key={`i-${p.name}`}>
              <i className={`glyph ${p.type}`} /> in: {p.label}
              <span className="dim">
                {connected.has(p.name) ? " · connected" : p.fallbackParam ? " · uses the number above" : " · needs a connection"}
              </span>
            </div>
          ))}
          {block.outputs.map((p) => (
            <div key={`o-${p.name}`}>
              <i className={`glyph ${p.type}`} /> out: {p.label}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

function MultiSelection({ count }: { count: number }) {
  return (
    <div className="panel-section">
      <div className="block-head">
        <h2>{count} blocks selected</h2>
        <p>
          <span className="kbd">Del</span> deletes them, <span className="kbd">Ctrl</span>+<span className="kbd">C</span> /{" "}
          <span className="kbd">V</span> copies and pastes, <span className="kbd">Ctrl</span>+<span className="kbd">D</span> duplicates.
        </p>
      </div>
    </div>
  );
}

function NothingSelected() {
  const flow = useEditor((s) => s.flow);
  const counts = new Map<string, number>();
  for (const n of flow.nodes) {
    const c = getBlock(n.kind)?.category;
    if (c) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return (
    <div className="panel-section">
      <div className="block-head">
        <h2>{flow.name}</h2>
        <p>{flow.description || "No description yet. Describe the idea behind this strategy in Settings."}</p>
      </div>
      <div className="ports-info">
        {[...counts].map(([c, n]) => (
          <div key={c}>
            <span className="bn-cat" style={{ background: CATEGORY_COLOR[c as keyof typeof CATEGORY_COLOR], height: 10 }} />
            {n} × {CATEGORY_LABEL[c as keyof typeof CATEGORY_LABEL].toLowerCase()}
          </div>
        ))}
        <div className="dim" style={{ marginTop: 6 }}>
          Select a block to edit its settings. Shift-drag to select several.
        </div>
      </div>
    </div>
  );
}

export function ProblemsList() {
  const validation = useEditor((s) => s.validation);
  const flow = useEditor((s) => s.flow);
  const errors = validation.ok ? [] : validation.errors;
  const warnings = validation.warnings;
  const items: { issue: CompileIssue; sev: "error" | "warning" }[] = [
    ...errors.map((issue) => ({ issue, sev: "error" as const })),
    ...warnings.map((issue) => ({ issue, sev: "warning" as const })),
  ];
  return (
    <div className="panel-section" data-testid="problems">
      <div className="problems-head">
        Problems
        {errors.length > 0 && <span className="pill error">{count(errors.length, "error")}</span>}
        {warnings.length > 0 && <span className="pill warn">{count(warnings.length, "warning")}</span>}
        {validation.ok && <span className="pill ok">compiles</span>}
      </div>
      {items.map(({ issue, sev }, i) => {
        const where = issueWhere(flow, issue);
        const dangling = danglingEdge(flow, issue);
        return (
          <div className="problem-row" key={i}>
            <button
              type="button"
              className={`problem ${sev}`}
              data-testid={`problem-${sev}`}
              data-node={issue.nodeId ?? ""}
              onClick={() => issue.nodeId && editorStore.getState().focusNode(issue.nodeId)}
              disabled={!issue.nodeId}
              style={issue.nodeId ? undefined : { cursor: "default" }}
            >
              <span className="sev">{sev === "error" ? "!" : "i"}</span>
              <span>
                {issue.message}
                {where && <span className="where">{where}</span>}
              </span>
            </button>
            {dangling && (
              <button type="button" className="btn small ghost problem-fix" onClick={() => editorStore.getState().deleteEdges([dangling])} data-testid="problem-delete-edge">
                Delete connection
              </button>
            )}
          </div>
        );
      })}
      {validation.ok && (
        <div className="ok-line" data-testid="compiles-ok">
          ✓ Ready to backtest
          <DevDetail>
            <span className="hash" title={`Spec hash ${validation.hash}: the same logic always has the same hash`} data-testid="spec-hash" data-hash={validation.hash}>
              {validation.hash.slice(0, 12)}
            </span>
          </DevDetail>
          <DetailsToggle testId="problems-details-toggle" />
        </div>
      )}
    </div>
  );
}

export function Inspector() {
  const selected = useEditor((s) => s.selectedNodes);
  return (
    <aside className="side right scroll" data-testid="inspector">
      {selected.length === 1 ? <BlockParams nodeId={selected[0]!} /> : selected.length > 1 ? <MultiSelection count={selected.length} /> : <NothingSelected />}
      <ProblemsList />
    </aside>
  );
}
