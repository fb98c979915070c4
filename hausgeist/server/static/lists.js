// Lists (Einkaufsliste, Aufgaben ...): check, delete and add items.

import { api, seg } from "./api.js";
import { h, replaceChildren, toast } from "./dom.js";

export class ListsView {
  constructor(root, { reload }) {
    this.root = root;
    this.reload = reload;
    this.cards = new Map();
    this.names = "";
  }

  /** A GET /v1/lists answer. */
  load({ lists = [] }) {
    const names = JSON.stringify(lists.map((l) => l.name));
    if (names !== this.names) {
      this.names = names;
      this.cards.clear();
      replaceChildren(
        this.root,
        lists.length ? lists.map((list) => this.card(list.name)) : h("p", { class: "empty" }, "Keine Listen."),
      );
    }
    for (const list of lists) this.fill(list.name, list.items || []);
  }

  card(name) {
    const items = h("ul", { class: "items" });
    const input = h("input", { type: "text", name: "item", placeholder: "Neuer Eintrag", "aria-label": `Neuer Eintrag für ${name}`, required: true, autocomplete: "off" });
    const form = h("form", { class: "add" }, input, h("button", { type: "submit" }, "Hinzufügen"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.add(name, input);
    });
    const el = h("article", { class: "list", dataset: { list: name } }, h("h3", {}, name), items, form);
    this.cards.set(name, { el, items });
    return el;
  }

  fill(name, items) {
    const card = this.cards.get(name);
    if (!card) return;
    const open = items.filter((i) => !i.done);
    const done = items.filter((i) => i.done);
    const rows = [...open, ...done].map((item) => this.item(name, item));
    replaceChildren(card.items, rows.length ? rows : h("li", { class: "empty" }, "Die Liste ist leer."));
  }

  item(list, item) {
    const path = `/v1/lists/${seg(list)}/items/${seg(item.id)}`;
    const box = h("input", {
      type: "checkbox",
      checked: Boolean(item.done),
      "aria-label": `${item.text} erledigt`,
      onchange: () => this.change(() => api.patch(path, { done: box.checked })),
    });
    const remove = h("button", {
      type: "button",
      class: "icon",
      title: "Löschen",
      "aria-label": `${item.text} löschen`,
      onclick: () => this.change(() => api.del(path)),
    }, "×");
    return h(
      "li",
      { class: item.done ? "item done" : "item", dataset: { itemId: item.id } },
      h("label", {}, box, h("span", { class: "item-text" }, item.text)),
      remove,
    );
  }

  async add(name, input) {
    const text = input.value.trim();
    if (!text) return;
    input.disabled = true;
    try {
      await api.post(`/v1/lists/${seg(name)}/items`, { text });
      input.value = "";
      await this.reload();
    } catch (err) {
      if (err.status !== 401) toast(err.message, "error");
    } finally {
      input.disabled = false;
      input.focus();
    }
  }

  async change(call) {
    try {
      await call();
    } catch (err) {
      if (err.status !== 401) toast(err.message, "error");
    }
    await this.reload();
  }
}
