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

  // Shows a short result in `element`; `kind` ("ok" or "error") picks its colour.
  say(element, text, kind) {
    element.textContent = text;
    element.dataset.kind = kind;
  },

  // Sends the movie form (its inputs named title and year) as JSON to POST /movies and shows the answer in `result`:
  // `describe(answer)` words a success, an error shows the server's message. The page checks
  // nothing itself: a year that is not digits goes as typed, so the server's 400 can be seen.
  movieForm(form, result, describe) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const movie = { title: form.elements.namedItem("title").value };
      const year = form.elements.namedItem("year").value.trim();
      if (year !== "") {
        movie.year = /^-?\d+$/.test(year) ? Number(year) : year;
      }
      try {
        const response = await fetch("/movies", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(movie),
        });
        const text = await response.text();
        let answer = {};
        try {
          answer = JSON.parse(text);
        } catch (error) {
          // Not JSON: an unfinished TODO answers 501 with plain text.
        }
        if (response.ok) {
          course.say(result, describe(answer), "ok");
          form.reset();
        } else {
          course.say(result, response.status + ": " + (answer.error || text), "error");
        }
      } catch (error) {
        course.say(result, "Could not reach the server: " + error.message, "error");
      }
    });
  },
};
