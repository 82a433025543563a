#!/usr/bin/env ruby
# Renders posts the way the blog's Jekyll does (kramdown's GFM parser, no hard wraps,
# auto ids), for tests/test_kramdown.py. Reads a JSON list of post texts on stdin and
# prints a JSON list of HTML strings; front matter is stripped as Jekyll strips it.
# Needs Debian's ruby-kramdown and ruby-kramdown-parser-gfm.
require "kramdown"
require "kramdown-parser-gfm"
require "json"

OPTIONS = { input: "GFM", hard_wrap: false, auto_ids: true, entity_output: :as_char,
            toc_levels: (1..6).to_a, smart_quotes: %w[lsquo rsquo ldquo rdquo],
            footnote_nr: 1, show_warnings: false }.freeze

def body(text)
  text = text.sub(/\A\uFEFF/, "")
  m = text.match(/\A---\s*\r?\n.*?\r?\n?^(?:---|\.\.\.)\s*$\r?\n?/m)
  m ? m.post_match : text
end

posts = JSON.parse($stdin.read)
html = posts.map do |text|
  Kramdown::Document.new(body(text), OPTIONS).to_html
rescue StandardError => e
  "!! #{e.class}: #{e.message}"
end
puts JSON.generate(html)
