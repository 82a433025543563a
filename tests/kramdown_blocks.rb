#!/usr/bin/env ruby
# Block structure as kramdown's GFM parser (the blog's Jekyll settings) builds it, for
# tests/test_parser.py. Reads a JSON list of Markdown bodies (no front matter) on stdin
# and prints, for each, a JSON list of [type, line, heading level or null, depth] for
# every block element: p, header, codeblock, math, table, hr, html_element, xml_comment,
# blockquote, ul, ol, dl (depth 0 = top level; lines are 1-based).
require "kramdown"
require "kramdown-parser-gfm"
require "json"

OPTIONS = { input: "GFM", hard_wrap: false, auto_ids: true, show_warnings: false }.freeze
KEEP = %w[p header codeblock math table hr html_element xml_comment blockquote ul ol dl].freeze

def walk(el, acc, depth)
  el.children.each do |c|
    next unless KEEP.include?(c.type.to_s) || %i[li dt dd].include?(c.type)
    next if %i[math html_element xml_comment].include?(c.type) && c.options[:category] != :block

    if KEEP.include?(c.type.to_s)
      acc << [c.type.to_s, c.options[:location], c.type == :header ? c.options[:level] : nil, depth]
    end
    walk(c, acc, depth + 1) unless %i[html_element codeblock math table].include?(c.type)
  end
end

bodies = JSON.parse($stdin.read)
out = bodies.map do |text|
  root, = Kramdown::Parser::GFM.parse(text, Kramdown::Options.merge(OPTIONS))
  acc = []
  walk(root, acc, 0)
  acc
end
puts JSON.generate(out)
