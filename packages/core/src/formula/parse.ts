// The formula language: a small grammar parsed into a tree, never evaluated as JavaScript text.
//
//   formula    := comparison
//   comparison := sum ( ("<" | "<=" | ">" | ">=" | "==" | "!=") sum )?
//   sum        := product ( ("+" | "-") product )*
//   product    := unary ( ("*" | "/") unary )*
//   unary      := ("-" | "+") unary | power
//   power      := primary ( "^" unary )?          (right-associative: -a^2 is -(a^2))
//   primary    := number | variable | function "(" formula ("," formula)* ")" | "(" formula ")"

/** The inputs a formula can name, in port order. */
export const FORMULA_VARIABLES = ["a", "b", "c", "d"] as const;
export type FormulaVariable = (typeof FORMULA_VARIABLES)[number];

/** Functions and how many arguments each takes ([min, max]). */
export const FORMULA_FUNCTIONS = {
  abs: [1, 1],
  sqrt: [1, 1],
  log: [1, 1],
  min: [2, 16],
  max: [2, 16],
} as const satisfies Record<string, readonly [number, number]>;
export type FormulaFunction = keyof typeof FORMULA_FUNCTIONS;

export const COMPARISONS = ["<", "<=", ">", ">=", "==", "!="] as const;
export type Comparison = (typeof COMPARISONS)[number];

export type FormulaNode =
  | { type: "number"; value: number }
  | { type: "variable"; name: FormulaVariable }
  | { type: "negate"; arg: FormulaNode }
  | { type: "binary"; op: "+" | "-" | "*" | "/" | "^"; left: FormulaNode; right: FormulaNode }
  | { type: "compare"; op: Comparison; left: FormulaNode; right: FormulaNode }
  | { type: "call"; fn: FormulaFunction; args: FormulaNode[] };

export type FormulaParse =
  | { ok: true; tree: FormulaNode; /** Whether the result is a comparison (1 / 0), i.e. a signal. */ isSignal: boolean }
  | { ok: false; /** What is wrong, naming the character (1-based) where it is. */ message: string; /** 0-based offset. */ at: number };

export const FORMULA_MAX_LENGTH = 500;
const MAX_DEPTH = 40;

type Token = { kind: "num"; value: number; at: number } | { kind: "name"; text: string; at: number } | { kind: "op"; text: string; at: number } | { kind: "end"; at: number };

class FormulaError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const OPS = ["<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "^", "(", ")", ","];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      i++;
      continue;
    }
    const num = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (num) {
      const value = Number(num[0]);
      if (!Number.isFinite(value)) throw new FormulaError(`the number ${num[0]} is too large`, i);
      tokens.push({ kind: "num", value, at: i });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (name) {
      tokens.push({ kind: "name", text: name[0], at: i });
      i += name[0].length;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: "op", text: op, at: i });
      i += op.length;
      continue;
    }
    const hint = ch === "=" ? ' (use "==" to compare)' : ch === "&" || ch === "|" ? " (combine signals with the And / Or blocks)" : "";
    throw new FormulaError(`unexpected "${ch}"${hint}`, i);
  }
  tokens.push({ kind: "end", at: text.length });
  return tokens;
}

function describe(t: Token): string {
  if (t.kind === "end") return "the end of the formula";
  if (t.kind === "num") return `the number ${t.value}`;
  return `"${t.text}"`;
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === "op" && t.text === text;
  }

  private expectOp(text: string, what: string): void {
    if (!this.isOp(text)) throw new FormulaError(`expected ${what}, found ${describe(this.peek())}`, this.peek().at);
    this.pos++;
  }

  parseAll(): FormulaNode {
    if (this.peek().kind === "end") throw new FormulaError("the formula is empty; write e.g. (a - b) / c", 0);
    const tree = this.comparison();
    const t = this.peek();
    if (t.kind !== "end") {
      const extra = t.kind === "op" && t.text === ")" ? '")" without a matching "("' : describe(t);
      throw new FormulaError(`unexpected ${extra}`, t.at);
    }
    return tree;
  }

  private comparison(): FormulaNode {
    if (++this.depth > MAX_DEPTH) throw new FormulaError("the formula is nested too deeply", this.peek().at);
    const left = this.sum();
    let node = left;
    const t = this.peek();
    if (t.kind === "op" && (COMPARISONS as readonly string[]).includes(t.text)) {
      this.pos++;
      node = { type: "compare", op: t.text as Comparison, left, right: this.sum() };
      const u = this.peek();
      if (u.kind === "op" && (COMPARISONS as readonly string[]).includes(u.text)) {
        throw new FormulaError("compare two values at a time (chain conditions with the And block)", u.at);
      }
    }
    this.depth--;
    return node;
  }

  private sum(): FormulaNode {
    let node = this.product();
    for (;;) {
      const t = this.peek();
      if (t.kind !== "op" || (t.text !== "+" && t.text !== "-")) return node;
      this.pos++;
      node = { type: "binary", op: t.text, left: node, right: this.product() };
    }
  }

  private product(): FormulaNode {
    let node = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== "op" || (t.text !== "*" && t.text !== "/")) return node;
      this.pos++;
      node = { type: "binary", op: t.text, left: node, right: this.unary() };
    }
  }

  private unary(): FormulaNode {
    if (++this.depth > MAX_DEPTH) throw new FormulaError("the formula is nested too deeply", this.peek().at);
    let node: FormulaNode;
    if (this.isOp("-")) {
      this.pos++;
      node = { type: "negate", arg: this.unary() };
    } else if (this.isOp("+")) {
      this.pos++;
      node = this.unary();
    } else {
      node = this.primary();
      if (this.isOp("^")) {
        this.pos++;
        node = { type: "binary", op: "^", left: node, right: this.unary() };
      }
    }
    this.depth--;
    return node;
  }

  private primary(): FormulaNode {
    const t = this.peek();
    if (t.kind === "num") {
      this.pos++;
      return { type: "number", value: t.value };
    }
    if (t.kind === "op" && t.text === "(") {
      this.pos++;
      const inner = this.comparison();
      this.expectOp(")", `")" to close the "(" at character ${t.at + 1}`);
      return inner;
    }
    if (t.kind === "name") {
      this.pos++;
      const name = t.text.toLowerCase();
      if (this.isOp("(")) {
        if (!Object.hasOwn(FORMULA_FUNCTIONS, name)) {
          throw new FormulaError(`unknown function "${t.text}"; use ${Object.keys(FORMULA_FUNCTIONS).join(", ")}`, t.at);
        }
        const fn = name as FormulaFunction;
        this.pos++;
        const args: FormulaNode[] = [];
        if (!this.isOp(")")) {
          args.push(this.comparison());
          while (this.isOp(",")) {
            this.pos++;
            args.push(this.comparison());
          }
        }
        this.expectOp(")", `"," or ")" in ${fn}(…)`);
        const [min, max] = FORMULA_FUNCTIONS[fn];
        if (args.length < min || args.length > max) {
          const want = min === max ? `${min} value` : `${min} to ${max} values`;
          throw new FormulaError(`${fn}(…) takes ${want}, got ${args.length}`, t.at);
        }
        return { type: "call", fn, args };
      }
      if ((FORMULA_VARIABLES as readonly string[]).includes(name)) return { type: "variable", name: name as FormulaVariable };
      if (Object.hasOwn(FORMULA_FUNCTIONS, name)) throw new FormulaError(`${name} is a function: write ${name}(…)`, t.at);
      throw new FormulaError(`unknown name "${t.text}"; the inputs are ${FORMULA_VARIABLES.join(", ")}`, t.at);
    }
    throw new FormulaError(`expected a number, an input (${FORMULA_VARIABLES.join(", ")}), a function or "(", found ${describe(t)}`, t.at);
  }
}

/** Parses a formula. Errors are values naming the character where the problem is. */
export function parseFormula(text: string): FormulaParse {
  if (text.length > FORMULA_MAX_LENGTH) {
    return { ok: false, message: `the formula is longer than ${FORMULA_MAX_LENGTH} characters`, at: FORMULA_MAX_LENGTH };
  }
  try {
    const tree = new Parser(tokenize(text)).parseAll();
    return { ok: true, tree, isSignal: tree.type === "compare" };
  } catch (e) {
    if (e instanceof FormulaError) return { ok: false, message: `${e.message} (at character ${e.at + 1})`, at: e.at };
    throw e;
  }
}

/** The inputs a parsed formula reads. */
export function formulaVariables(tree: FormulaNode): Set<FormulaVariable> {
  const used = new Set<FormulaVariable>();
  const walk = (n: FormulaNode): void => {
    if (n.type === "variable") used.add(n.name);
    else if (n.type === "negate") walk(n.arg);
    else if (n.type === "binary" || n.type === "compare") {
      walk(n.left);
      walk(n.right);
    } else if (n.type === "call") n.args.forEach(walk);
  };
  walk(tree);
  return used;
}
