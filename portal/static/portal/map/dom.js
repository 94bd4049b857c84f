// Small DOM helpers: elements built from data, never from HTML strings (attribute values stay text).

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// "%(name)s" placeholders, as Django's gettext leaves them.
export function fill(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_match, key) => String(values[key] ?? ""));
}

export class Notices {
  constructor(container, closeLabel) {
    this.container = container;
    this.closeLabel = closeLabel;
  }

  show(text, { kind = "info", timeout = 0 } = {}) {
    const item = el("div", { class: `notice notice-${kind}`, "data-notice": kind },
      el("span", { text }),
      el("button", { type: "button", "aria-label": this.closeLabel, text: "×", onclick: () => item.remove() }));
    this.container.append(item);
    if (timeout) setTimeout(() => item.remove(), timeout);
    return item;
  }
}
