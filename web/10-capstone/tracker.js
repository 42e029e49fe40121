// The capstone's three pages (customer, courier, dispatcher) share this script: one EventSource to
// /events, whose events say what to draw. Everything the server sends is written as text (textContent),
// and the SVG is built with createElementNS, never from markup.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const role = document.body.dataset.role;
const state = document.getElementById("state");
const who = document.getElementById("who");
const lastIdShown = document.getElementById("last-id");
const map = document.getElementById("map");
const list = document.getElementById("deliveries");
const log = document.getElementById("log");
const signOut = document.getElementById("signout");
const shown = new Map(); // delivery id -> { view, row, marker, trail, points }

function svg(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) {
    element.setAttribute(key, String(value));
  }
  return element;
}

function colourOf(index) {
  return "hsl(" + ((index * 137) % 360) + ", 70%, 40%)";
}

// The snapshot: everything this user sees, drawn again from scratch.
function drawAll(snapshot) {
  who.textContent = snapshot.user + " (" + snapshot.role + ")";
  map.replaceChildren();
  list.replaceChildren();
  shown.clear();
  const select = document.querySelector("select[name=delivery]");
  if (select) {
    select.replaceChildren();
  }
  snapshot.deliveries.forEach((view, index) => {
    const colour = colourOf(index);
    const route = view.route.map((p) => p.x + "," + p.y).join(" ");
    map.append(svg("polyline", { class: "route", points: route, stroke: colour }));
    const door = view.route[view.route.length - 1];
    map.append(svg("rect", { class: "door", x: door.x - 12, y: door.y - 12, width: 24, height: 24, fill: colour }));
    const trail = svg("polyline", { class: "trail", points: view.x + "," + view.y, stroke: colour });
    map.append(trail);
    const marker = svg("circle", { class: "courier", cx: view.x, cy: view.y, r: 16, fill: colour, "data-delivery": view.id });
    map.append(marker);
    const label = svg("text", { x: door.x + 16, y: door.y - 16, fill: colour });
    label.textContent = view.customer;
    map.append(label);

    const row = document.createElement("li");
    row.dataset.delivery = view.id;
    for (const part of ["name", "status", "eta", "position", "count"]) {
      const span = document.createElement("span");
      span.className = part;
      row.append(span);
    }
    row.querySelector(".name").textContent = view.customer + " / " + view.courier;
    row.querySelector(".count").textContent = "0";
    list.append(row);
    if (select) {
      const option = document.createElement("option");
      option.value = view.id;
      option.textContent = view.customer;
      select.append(option);
    }
    const entry = { view, row, marker, trail, points: [view.x + "," + view.y], count: 0 };
    shown.set(view.id, entry);
    show(entry, view);
  });
}

function show(entry, change) {
  entry.row.querySelector(".status").textContent = change.status;
  entry.row.querySelector(".eta").textContent = change.status === "delivered" ? "arrived" : "ETA about " + change.eta + " s";
  entry.row.querySelector(".position").textContent = Math.round(change.x) + ", " + Math.round(change.y);
}

function moved(change) {
  const entry = shown.get(change.delivery);
  if (!entry) {
    return; // the server sends only what this user sees; anything else is not drawn
  }
  entry.marker.setAttribute("cx", String(change.x));
  entry.marker.setAttribute("cy", String(change.y));
  entry.points.push(change.x + "," + change.y);
  entry.trail.setAttribute("points", entry.points.join(" "));
  entry.count += 1;
  entry.row.querySelector(".count").textContent = String(entry.count);
  show(entry, change);
}

const source = new EventSource("/events");
course.showState(source, state);
source.addEventListener("deliveries", (event) => {
  drawAll(JSON.parse(event.data));
  lastIdShown.textContent = event.lastEventId || "none";
});
source.addEventListener("position", (event) => {
  const change = JSON.parse(event.data);
  moved(change);
  lastIdShown.textContent = event.lastEventId;
  course.append(log, change.delivery + " at " + Math.round(change.x) + ", " + Math.round(change.y), "position", event.lastEventId);
});
source.addEventListener("status", (event) => {
  const change = JSON.parse(event.data);
  const entry = shown.get(change.delivery);
  if (entry) {
    show(entry, change);
  }
  lastIdShown.textContent = event.lastEventId;
  course.append(log, change.delivery + " is " + change.status, "status", event.lastEventId);
});
source.addEventListener("error", () => {
  // A 401 (no session, signed out, expired) closes the EventSource for good: say so.
  if (source.readyState === EventSource.CLOSED) {
    state.textContent = "signed out";
    state.dataset.state = "signed-out";
  }
});

signOut.addEventListener("click", async () => {
  await fetch("/signout", { method: "POST" });
  // The server ends this stream; the browser comes back, gets a 401 and stops: the state shows it.
});

if (role === "courier") {
  const select = document.querySelector("select[name=delivery]");
  const result = document.querySelector(".post-result");
  map.addEventListener("click", async (event) => {
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(map.getScreenCTM().inverse());
    const response = await fetch("/positions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ delivery: select.value, x: point.x, y: point.y }),
    });
    const answer = await response.json().catch(() => ({}));
    result.textContent = response.ok ? "posted, id " + answer.id : answer.error || "HTTP " + response.status;
    result.dataset.kind = response.ok ? "ok" : "error";
  });
}
