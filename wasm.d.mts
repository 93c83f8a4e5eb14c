// `external-ip-lookup-rule/wasm`: the WebAssembly module's file (pkg/web), for bundlers that turn
// an imported file into its URL: esbuild's `file` loader (`--loader:.wasm=file`), Vite's `?url`
// suffix (`import wasmUrl from 'external-ip-lookup-rule/wasm?url'`), webpack's asset modules.
// Give that URL to `init()`. Node.js does not import .wasm files this way.
declare const url: string;
export default url;
