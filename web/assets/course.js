// Shared by every lesson page. Event data is always written with textContent, never as
// HTML: whatever a server sends, the page shows it as text.
"use strict";

const course = {
  // Shows an EventSource's readyState in `element` and keeps it current.
  showState(source, element) {
    const names = ["connecting", "open", "closed"];
    const show = () => {
      element.textContent = names[source.readyState];
      element.dataset.state = names[source.readyState];
    };
    source.addEventListener("open", show);
    source.addEventListener("error", show);
    show();
  },

  // Adds one line at the top of `list`: the event's data, and its type and id when given.
  append(list, data, type, id) {
    const item = document.createElement("li");
    if (type) {
      const label = document.createElement("span");
      label.className = "type";
      label.textContent = type;
      item.append(label);
    }
    if (id) {
      const tag = document.createElement("span");
      tag.className = "id";
      tag.textContent = "id " + id;
      item.append(tag);
    }
    item.append(document.createTextNode(data));
    list.prepend(item);
    while (list.children.length > 200) {
      list.lastElementChild.remove();
    }
  },
};
