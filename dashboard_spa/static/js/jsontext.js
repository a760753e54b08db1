// Pretty-print a JSON document the way JSON.stringify(doc, null, 2) does, remembering the
// line of every path ($.videos[0].sha256), so an error the API names can be pointed at.

export function pretty(value) {
  const lines = [];
  const where = new Map();
  const emit = (v, indent, path, prefix, suffix) => {
    where.set(path, lines.length);
    const pad = "  ".repeat(indent);
    if (Array.isArray(v) && v.length) {
      lines.push(`${pad}${prefix}[`);
      v.forEach((x, i) => emit(x, indent + 1, `${path}[${i}]`, "", i < v.length - 1 ? "," : ""));
      lines.push(`${pad}]${suffix}`);
    } else if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length) {
      lines.push(`${pad}${prefix}{`);
      const keys = Object.keys(v);
      keys.forEach((k, i) => emit(v[k], indent + 1, `${path}.${k}`, `${JSON.stringify(k)}: `, i < keys.length - 1 ? "," : ""));
      lines.push(`${pad}}${suffix}`);
    } else {
      lines.push(`${pad}${prefix}${JSON.stringify(v)}${suffix}`);
    }
  };
  emit(value, 0, "$", "", "");
  return { text: lines.join("\n"), where };
}

/** The 0-based line of `path`, or of its nearest ancestor present in the document. */
export function lineOf(where, path) {
  let p = path || "$";
  while (p) {
    if (where.has(p)) return where.get(p);
    const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
    if (cut <= 0) break;
    p = p.slice(0, cut);
  }
  return 0;
}

/** Select one line of a textarea and scroll it into view. */
export function selectLine(textarea, line) {
  const lines = textarea.value.split("\n");
  let start = 0;
  for (let i = 0; i < line && i < lines.length; i++) start += lines[i].length + 1;
  const end = start + (lines[line] || "").length;
  textarea.focus();
  textarea.setSelectionRange(start, end);
  const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 18;
  textarea.scrollTop = Math.max(0, line * lineHeight - textarea.clientHeight / 3);
}

/** Line and column of a JSON.parse error, when the browser says where it is. */
export function syntaxPosition(text, err) {
  const m = String(err.message).match(/position (\d+)/);
  if (m) {
    const before = text.slice(0, Number(m[1]));
    return before.split("\n").length - 1;
  }
  const lm = String(err.message).match(/line (\d+)/);
  return lm ? Number(lm[1]) - 1 : null;
}
