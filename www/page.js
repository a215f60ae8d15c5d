// What both demo pages (index.html's app.js and fleet.html's fleet.js) build on: element
// lookup and creation, and the pre-fill the demo server provides.

export const $ = (id) => document.getElementById(id);

export function element(tag, { dataset, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
}

/** The demo server's config.json (scripts/demo.sh serves one), or `{}` without a demo server. */
export async function loadConfig() {
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    if (response.ok) return await response.json();
  } catch {
    // No demo server: the caller shows empty fields or explains.
  }
  return {};
}
