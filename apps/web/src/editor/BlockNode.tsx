import { memo } from "react";
import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { getBlock, type CompileIssue, type ParamRange } from "@keyflow/core";
import { paramFieldsOf } from "@keyflow/core";
import { formatParam } from "./paramText";
import { CATEGORY_COLOR } from "./theme";

export interface BlockNodeData extends Record<string, unknown> {
  kind: string;
  params: Record<string, unknown>;
  /** Params a sweep varies: drawn as their range. */
  ranges?: Record<string, ParamRange>;
  errors: CompileIssue[];
  warnings: CompileIssue[];
  /** Input ports that have an edge. */
  connectedInputs: string[];
}

export type BlockRFNode = Node<BlockNodeData, "block">;

/** "5–14", "5–14 by 3" or "5, 8, 13" (a long list shortened). */
function rangeText(r: ParamRange): string {
  if ("values" in r) return r.values.length > 4 ? `${r.values.slice(0, 3).join(", ")}, …` : r.values.join(", ");
  return `${r.from}–${r.to}${r.step !== 1 ? ` by ${r.step}` : ""}`;
}

/** How many params the node body shows; the rest are in the params panel. */
const KEY_PARAMS = 3;

function BlockNodeView({ id, data, selected }: NodeProps<BlockRFNode>) {
  const block = getBlock(data.kind);
  if (!block) {
    return (
      <div className={`bn has-error${selected ? " selected" : ""}`} data-testid={`node-${id}`}>
        <div className="bn-head">
          <span className="bn-title">Unknown block</span>
          <span className="bn-badge error">!</span>
        </div>
        <div className="bn-error-line">“{data.kind}” is not a Keyflow block.</div>
      </div>
    );
  }
  const fields = paramFieldsOf(block.kind);
  const connected = new Set(data.connectedInputs);
  const badParams = new Set(data.errors.map((e) => e.param).filter(Boolean));
  const missing = new Set(data.errors.filter((e) => e.code === "missingInput").map((e) => e.port));
  // Params that stand in for an unconnected input are shown on the input's row instead.
  const shadowed = new Set(block.inputs.filter((p) => p.fallbackParam).map((p) => p.fallbackParam));
  const shown = fields.filter((f) => !shadowed.has(f.key)).slice(0, KEY_PARAMS);
  const firstError = data.errors[0];
  const cls = ["bn", selected && "selected", data.errors.length > 0 && "has-error", data.warnings.length > 0 && "has-warning"]
    .filter(Boolean)
    .join(" ");

  return (
    <div className={cls} data-testid={`node-${id}`} data-kind={block.kind} data-errors={data.errors.length}>
      <div className="bn-head">
        <span className="bn-cat" style={{ background: CATEGORY_COLOR[block.category] }} />
        <span className="bn-title">{block.label}</span>
        {data.errors.length > 0 ? (
          <span className="bn-badge error" title={data.errors.map((e) => e.message).join("\n")} data-testid="node-error-badge">
            {data.errors.length}
          </span>
        ) : data.warnings.length > 0 ? (
          <span className="bn-badge warning" title={data.warnings.map((e) => e.message).join("\n")}>
            !
          </span>
        ) : (
          <span className="bn-kind">{block.category}</span>
        )}
      </div>
      {shown.length > 0 && (
        <div className="bn-params">
          {shown.map((f) => (
            <div key={f.key} className={`bn-param${badParams.has(f.key) ? " bad" : ""}`}>
              <span>{f.label.replace(/ \(if unconnected\)$/, "")}</span>
              {data.ranges?.[f.key] ? (
                <b className="bn-range" title="Swept over this range; a single backtest uses the value in the settings">
                  ⇄ {rangeText(data.ranges[f.key]!)}
                </b>
              ) : (
                <b>{formatParam(f, data.params[f.key])}</b>
              )}
            </div>
          ))}
        </div>
      )}
      <div className="bn-ports">
        <div className="bn-col in">
          {block.inputs.map((p) => (
            <div key={p.name} className={`bn-port${missing.has(p.name) ? " missing" : ""}`}>
              <Handle
                type="target"
                position={Position.Left}
                id={p.name}
                className={`port ${p.type}`}
                data-testid={`handle-${id}-in-${p.name}`}
                data-port-type={p.type}
                title={`${p.label}: ${p.type}`}
              />
              {p.label}
              {p.fallbackParam && !connected.has(p.name) && <span className="fallback">= {String(data.params[p.fallbackParam] ?? "")}</span>}
            </div>
          ))}
        </div>
        <div className="bn-col out">
          {block.outputs.map((p) => (
            <div key={p.name} className="bn-port">
              {p.label}
              <Handle
                type="source"
                position={Position.Right}
                id={p.name}
                className={`port ${p.type}`}
                data-testid={`handle-${id}-out-${p.name}`}
                data-port-type={p.type}
                title={`${p.label}: ${p.type}`}
              />
            </div>
          ))}
        </div>
      </div>
      {firstError && (
        <div className="bn-error-line" data-testid="node-error" title={firstError.message}>
          <span>{firstError.message}</span>
        </div>
      )}
    </div>
  );
}

export const BlockNode = memo(BlockNodeView);

export interface MissingNodeData extends Record<string, unknown> {
  missingId: string;
  side: "source" | "target";
}

export type MissingRFNode = Node<MissingNodeData, "missing">;
/** Everything the canvas draws: blocks, and stand-ins for blocks a link names but the flow lacks. */
export type CanvasNode = BlockRFNode | MissingRFNode;

/** A stand-in for a block a link names but the flow does not have: the red link to it can be deleted. */
function MissingNodeView({ data }: NodeProps<MissingRFNode>) {
  return (
    <div className="bn has-error missing-block" data-testid={`missing-${data.missingId}`}>
      <div className="bn-head">
        <span className="bn-title">Missing block</span>
        <span className="bn-badge error">!</span>
      </div>
      <div className="bn-error-line">
        <span>“{data.missingId}” is not in this flow: click the red link and press Delete.</span>
      </div>
      {data.side === "source" ? <Handle type="source" position={Position.Right} id="out" isConnectable={false} /> : <Handle type="target" position={Position.Left} id="in" isConnectable={false} />}
    </div>
  );
}

/** Module scope, never inside a component: a new object per render would remount every node. */
export const nodeTypes = { block: BlockNode, missing: memo(MissingNodeView) };
