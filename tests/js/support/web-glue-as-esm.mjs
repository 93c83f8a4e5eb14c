// Module hooks for the browser-entry test: the web glue (pkg/web/*.js) is an ES module with a .js
// extension inside a "type": "commonjs" package, so Node would read it as CommonJS. Browsers and
// bundlers do not look at "type"; these hooks make Node read it as they do.
export async function load(url, context, nextLoad) {
  if (/\/pkg\/web\/[^/]+\.js$/.test(url)) return nextLoad(url, { ...context, format: 'module' });
  return nextLoad(url, context);
}
