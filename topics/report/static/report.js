/* The report's own behaviour, kept small: draw each plotly chart from the JSON
   embedded next to it, and make tables sortable (click a header) and searchable
   (type in the box above). Works from file:// with no network. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function drawCharts() {
    var divs = document.querySelectorAll("[data-chart]");
    if (typeof window.Plotly === "undefined") {
      divs.forEach(function (div) {
        div.textContent = "The chart library (assets/plotly.min.js) could not be loaded.";
        div.classList.add("chart-missing");
      });
      return;
    }
    var OFFLINE_CONFIG = {
      displaylogo: false,
      showSendToCloud: false,
      showEditInChartStudio: false,
      plotlyServerURL: ""
    };
    divs.forEach(function (div) {
      var figure = readJson(div.id + "-figure");
      // Whatever a page's config says, nothing may offer to upload a chart.
      var config = Object.assign({}, readJson(div.id + "-config") || {}, OFFLINE_CONFIG);
      if (figure) {
        window.Plotly.newPlot(div, figure.data, narrowLayout(div, figure.layout, figure.data), config);
        if (figure.layout.meta && figure.layout.meta.legend === "themes") {
          themeLegend(div);
        }
      }
    });
    var resizeTimer = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(refitNarrow, 200);
    });
    // Charts are drawn at screen width; on paper they must fit the page.
    window.matchMedia("print").addEventListener("change", function (query) {
      fitCharts(query.matches);
    });
    window.addEventListener("beforeprint", function () {
      fitCharts(true);
    });
    window.addEventListener("afterprint", function () {
      fitCharts(false);
    });
  }

  // Below this width a legend beside the plot would squash it: it goes underneath
  // (or, for a legend of dozens of entries, away), and the margins shrink.
  var NARROW = 640;

  function narrowLayout(div, layout, data) {
    if (!layout || layout.width || div.clientWidth >= NARROW) {
      return layout;
    }
    div.setAttribute("data-narrow", "1");
    var out = Object.assign({}, layout);
    out.margin = Object.assign({}, layout.margin || {}, { l: 52, r: 8 });
    if (layout.xaxis && layout.xaxis.title) {
      out.xaxis = Object.assign({}, layout.xaxis, { title: { text: "" } });
    }
    if (layout.showlegend !== false && layout.legend) {
      var entries = (data || div.data || []).filter(function (t) {
        return t.showlegend !== false && t.visible !== false;
      }).length;
      var many = entries > 15;  // a legend longer than the chart: the map labels its topics
      out.legend = Object.assign({}, layout.legend, {
        orientation: "h",
        x: 0,
        xanchor: "left",
        y: -0.12,
        yanchor: "top",
      });
      if (many) {
        out.showlegend = false;
      }
    }
    // A figure can say how it reads on a narrow screen (layout.meta.narrow): shorter
    // tick labels for its axes, so that names do not take the plot's width, and
    // square proportions for a heat map.
    var narrowed = layout.meta && layout.meta.narrow;
    if (narrowed) {
      ["xaxis", "yaxis"].forEach(function (axis) {
        if (narrowed[axis]) {
          out[axis] = Object.assign({}, out[axis] || layout[axis] || {}, narrowed[axis]);
        }
      });
      if (narrowed.square) {
        out.height = Math.max(260, Math.round(div.clientWidth * 1.1));
      }
    }
    return out;
  }

  // The relayout that takes a chart between its wide and its narrow form.
  function narrowUpdate(figure, layout) {
    var update = {
      margin: layout.margin,
      legend: layout.legend,
      showlegend: layout.showlegend !== false,
      "xaxis.title.text": layout.xaxis && layout.xaxis.title ? layout.xaxis.title.text : "",
    };
    var narrowed = figure.layout.meta && figure.layout.meta.narrow;
    if (narrowed) {
      ["xaxis", "yaxis"].forEach(function (axis) {
        Object.keys(narrowed[axis] || {}).forEach(function (key) {
          var value = (layout[axis] || {})[key];
          update[axis + "." + key] = value === undefined ? null : value;  // null: plotly's default
        });
      });
      if (narrowed.square) {
        update.height = layout.height;
      }
    }
    return update;
  }

  function refitNarrow() {
    document.querySelectorAll(".chart.js-plotly-plot").forEach(function (div) {
      var narrow = div.clientWidth < NARROW;
      if (narrow !== (div.getAttribute("data-narrow") === "1")) {
        var figure = readJson(div.id + "-figure");
        if (!figure) {
          return;
        }
        div.removeAttribute("data-narrow");
        var layout = narrowLayout(div, figure.layout, figure.data);
        window.Plotly.relayout(div, narrowUpdate(figure, layout));
      }
    });
  }

  // The map coloured by theme keeps one trace per topic, so plotly's own legend
  // clicks would hide topics. A click on a theme key fades that theme's points
  // instead (a double click shows only it); switching the colouring resets it.
  var FADED = 0.04;

  function themeLegend(div) {
    var hidden = {};
    function isKey(trace) {
      return trace && trace.meta && trace.meta.theme_key !== undefined;
    }
    function apply() {
      var values = [];
      var traces = [];
      div.data.forEach(function (trace, index) {
        if (trace.meta && trace.meta.themes) {
          traces.push(index);
          values.push(
            trace.meta.themes.map(function (key) {
              return hidden[key] ? FADED : 0.75;
            })
          );
        } else if (isKey(trace)) {
          traces.push(index);
          values.push(hidden[trace.meta.theme_key] ? 0.25 : 1);
        }
      });
      window.Plotly.restyle(div, { "marker.opacity": values }, traces);
    }
    div.on("plotly_legendclick", function (event) {
      var trace = event.data[event.curveNumber];
      if (!isKey(trace)) {
        return true;
      }
      hidden[trace.meta.theme_key] = !hidden[trace.meta.theme_key];
      apply();
      return false;
    });
    div.on("plotly_legenddoubleclick", function (event) {
      var trace = event.data[event.curveNumber];
      if (!isKey(trace)) {
        return true;
      }
      var keys = div.data.filter(isKey).map(function (t) {
        return t.meta.theme_key;
      });
      var only = trace.meta.theme_key;
      var isolated = keys.every(function (key) {
        return key === only ? !hidden[key] : hidden[key];
      });
      keys.forEach(function (key) {
        hidden[key] = isolated ? false : key !== only;
      });
      apply();
      return false;
    });
    div.on("plotly_buttonclicked", function () {
      hidden = {};
    });
  }

  function fitCharts(printing) {
    document.querySelectorAll(".chart.js-plotly-plot").forEach(function (div) {
      var width = printing ? div.parentElement.clientWidth - 16 : null;
      window.Plotly.relayout(div, { width: width, autosize: !printing });
    });
  }

  function sortKey(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) {
      return numeric ? -Infinity : "";
    }
    var raw = cell.getAttribute("data-value");
    var text = raw !== null ? raw : cell.textContent.trim();
    if (numeric) {
      var value = parseFloat(text.replace(/[,%\u2009]/g, ""));
      return isNaN(value) ? -Infinity : value;
    }
    return text.toLowerCase();
  }

  function sortTable(table, th, index) {
    var numeric = th.getAttribute("data-sort") === "num";
    var current = th.getAttribute("aria-sort");
    var descending = current ? current === "ascending" : numeric;
    table.querySelectorAll("thead th").forEach(function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var body = table.tBodies[0];
    var keyed = Array.prototype.map.call(body.rows, function (row) {
      return [sortKey(row, index, numeric), row];
    });
    keyed.sort(function (a, b) {
      var order = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
      return descending ? -order : order;
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (pair) {
      fragment.appendChild(pair[1]);
    });
    body.appendChild(fragment);
  }

  function makeSortable(table) {
    table.querySelectorAll("thead th").forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) {
        button.appendChild(th.firstChild);
      }
      th.appendChild(button);
      button.addEventListener("click", function () {
        sortTable(table, th, index);
      });
    });
  }

  function updateCount(table, shown) {
    var total = table.tBodies[0].rows.length;
    document.querySelectorAll('.table-count[data-table="' + table.id + '"]').forEach(function (n) {
      n.textContent = shown === total ? total + " rows" : shown + " of " + total + " rows";
    });
  }

  function filterTable(table, query) {
    var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      if (row.searchText === undefined) {
        row.searchText = row.textContent.toLowerCase();
      }
      var match = terms.every(function (term) {
        return row.searchText.indexOf(term) !== -1;
      });
      row.hidden = !match;
      shown += match ? 1 : 0;
    });
    updateCount(table, shown);
  }

  function makeSearchable(input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    if (!table || !table.tBodies.length) {
      return;
    }
    var timer = null;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        filterTable(table, input.value);
      }, 120);
    });
    updateCount(table, table.tBodies[0].rows.length);
  }

  // The search page: a compact JSON index of every paper, filtered as you type.
  // Results are built with textContent only, so no paper text becomes markup.
  var MAX_RESULTS = 200;

  function initSearch() {
    var index = readJson("search-index");
    if (!index) {
      return;
    }
    var field = function (id) {
      return document.getElementById(id);
    };
    var topicSelect = field("search-topic");
    Object.keys(index.topics)
      .sort(function (a, b) {
        return Number(a) - Number(b);
      })
      .forEach(function (id) {
        topicSelect.appendChild(new Option(id + ": " + index.topics[id], id));
      });
    var themeSelect = field("search-theme");
    index.themes.forEach(function (name, i) {
      themeSelect.appendChild(new Option(name, String(i)));
    });
    var haystacks = index.papers.map(function (p) {
      var themes = p[4].map(function (i) {
        return index.themes[i];
      });
      return [p[0], p[1], p[5], index.topics[String(p[3])] || "", themes.join(" ")]
        .join(" \u0001 ")
        .toLowerCase();
    });
    var timer = null;
    function run() {
      var terms = field("search-query").value.toLowerCase().split(/\s+/).filter(Boolean);
      var topic = topicSelect.value;
      var theme = themeSelect.value;
      var from = Number(field("search-from").value) || -Infinity;
      var to = Number(field("search-to").value) || Infinity;
      var undated = field("search-undated").checked;
      var hits = [];
      index.papers.forEach(function (p, i) {
        if (topic !== "" && String(p[3]) !== topic) {
          return;
        }
        if (theme === "-1" ? p[4].length > 0 : theme !== "" && p[4].indexOf(Number(theme)) < 0) {
          return;
        }
        if (p[2] === null ? !undated : p[2] < from || p[2] > to) {
          return;
        }
        for (var t = 0; t < terms.length; t += 1) {
          if (haystacks[i].indexOf(terms[t]) < 0) {
            return;
          }
        }
        hits.push(p);
      });
      render(hits);
    }
    function render(hits) {
      var list = field("search-results");
      list.textContent = "";
      var fragment = document.createDocumentFragment();
      hits.slice(0, MAX_RESULTS).forEach(function (p) {
        var item = document.createElement("li");
        var title = document.createElement(p[6] ? "a" : "strong");
        title.textContent = p[0];
        if (p[6]) {
          title.href = p[6];
        }
        item.appendChild(title);
        var line = document.createElement("div");
        line.className = "byline";
        var topicLink = document.createElement("a");
        topicLink.href = "../topics/" + p[3] + ".html";
        topicLink.textContent = "topic " + p[3] + ": " + (index.topics[String(p[3])] || "");
        line.appendChild(document.createTextNode((p[1] ? p[1] + " · " : "") + (p[2] || "undated") + " · "));
        line.appendChild(topicLink);
        var names = p[4].map(function (i) {
          return index.themes[i];
        });
        if (names.length) {
          line.appendChild(document.createTextNode(" · " + names.join(", ")));
        }
        item.appendChild(line);
        if (p[5]) {
          var snippet = document.createElement("p");
          snippet.className = "snippet";
          snippet.textContent = p[5];
          item.appendChild(snippet);
        }
        fragment.appendChild(item);
      });
      list.appendChild(fragment);
      var total = index.papers.length;
      field("search-count").textContent =
        hits.length === total
          ? "All " + total.toLocaleString() + " papers" + (total > MAX_RESULTS ? " (first " + MAX_RESULTS + " shown, newest first)" : "")
          : hits.length.toLocaleString() + " of " + total.toLocaleString() + " papers match" +
            (hits.length > MAX_RESULTS ? "; the first " + MAX_RESULTS + " are shown" : "");
    }
    ["search-query", "search-topic", "search-theme", "search-from", "search-to", "search-undated"].forEach(
      function (id) {
        field(id).addEventListener(id === "search-query" ? "input" : "change", function () {
          window.clearTimeout(timer);
          timer = window.setTimeout(run, 120);
        });
      }
    );
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) {
      field("search-query").value = query;
    }
    run();
  }

  document.addEventListener("DOMContentLoaded", function () {
    initSearch();
    document.querySelectorAll("table.sortable").forEach(makeSortable);
    document.querySelectorAll("input.table-search").forEach(makeSearchable);
    drawCharts();
  });
})();
