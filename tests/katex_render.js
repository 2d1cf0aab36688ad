// Render every formula given on stdin (a JSON list of [tex, displayMode]) with KaTeX;
// print a JSON list of error messages (empty when all render).  Used by tests/test_documents.py.
const katex = require(process.env.KATEX_PATH || "katex");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const errors = [];
  for (const [tex, display] of JSON.parse(input)) {
    try {
      katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "error" });
    } catch (err) {
      errors.push(`${err.message} in: ${tex.slice(0, 200)}`);
    }
  }
  console.log(JSON.stringify(errors));
});
