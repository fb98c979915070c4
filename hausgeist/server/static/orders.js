// Orders: what was bought, for how much, and cancelling while it is still possible.

import { api } from "./api.js";
import { h, replaceChildren, toast } from "./dom.js";
import { euro, when } from "./format.js";

const STATUS_TEXT = { placed: "Bestellt", cancelled: "Storniert", shipped: "Versandt", delivered: "Geliefert" };
const CONFIRM_MS = 4000;

export class OrdersView {
  constructor(root, { reload }) {
    this.root = root;
    this.reload = reload;
  }

  /** A GET /v1/orders answer. */
  load({ orders = [] }) {
    const newest = [...orders].sort((a, b) => String(b.placed_at).localeCompare(String(a.placed_at)));
    replaceChildren(
      this.root,
      newest.length ? newest.map((order) => this.row(order)) : h("li", { class: "empty" }, "Noch keine Bestellungen."),
    );
  }

  row(order) {
    const status = STATUS_TEXT[order.status] ?? order.status;
    return h(
      "li",
      { class: `order status-${order.status}`, dataset: { orderId: order.id } },
      h("div", { class: "order-head" },
        h("span", { class: "order-product" }, order.product),
        h("span", { class: "order-total" }, euro(order.total_cents))),
      h("div", { class: "order-body" },
        h("span", { class: "muted" }, `${order.quantity} × · ${when(order.placed_at)}`),
        h("span", { class: `tag tag-${order.status}` }, status),
        order.cancellable && this.cancelButton(order)),
    );
  }

  /** Two taps: "Stornieren", then "Wirklich stornieren?" within a few seconds. */
  cancelButton(order) {
    let armed = null;
    const button = h("button", { type: "button", class: "small danger" }, "Stornieren");
    button.addEventListener("click", async () => {
      if (!armed) {
        button.textContent = "Wirklich stornieren?";
        armed = setTimeout(() => {
          armed = null;
          button.textContent = "Stornieren";
        }, CONFIRM_MS);
        return;
      }
      clearTimeout(armed);
      button.disabled = true;
      try {
        await api.post(`/v1/orders/${order.id}/cancel`);
        toast(`Bestellung storniert: ${order.product}`);
      } catch (err) {
        if (err.code === "cancel_window_passed") {
          toast("Zu spät: Diese Bestellung lässt sich nicht mehr stornieren.", "error");
        } else if (err.status !== 401) {
          toast(err.message, "error");
        }
      }
      await this.reload();
    });
    return button;
  }
}
