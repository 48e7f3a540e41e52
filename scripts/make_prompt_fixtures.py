#!/usr/bin/env python3
"""Regenerates Tests/ModelTests/Fixtures/prompts/*.json: Jinja reference outputs for keyscope's
Swift template interpreter and prompt builder.

Reference stack: jinja2 3.1.6 through transformers 5.24.0 (`_cached_compile_jinja_template`, i.e. the
exact ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) that apply_chat_template
uses) for chat-environment cases, plain jinja2 Environments for the whitespace-option cases, and
`PreTrainedTokenizerFast.apply_chat_template(tokenize=False)` for the two real chat templates.

Usage: python3 scripts/make_prompt_fixtures.py [--hf-metadata /work/shared/hf-metadata]
The real templates are copied into the fixture folder (llava-1.5-7b-hf: Llama 2 Community License
notice in prompts/SOURCES.md; Qwen2.5-VL-7B-Instruct: Apache-2.0).
"""
import argparse
import json
import os
import sys

import jinja2
import jinja2.sandbox
from transformers.utils.chat_template_utils import _cached_compile_jinja_template

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "ModelTests", "Fixtures", "prompts")

# ---------------------------------------------------------------------------------------------
# Hand-written cases. Each: name, template, context; optional env = "chat" (default) | "plain" |
# "trim" | "lstrip" | "keepnl". Expected output or error kind is computed below.
MSGS = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "  Hello there \n"},
    {"role": "assistant", "content": "Hi! 你好"},
    {"role": "user", "content": "What's 2+2?"},
]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather \"now\"",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]

CASES = [
    ("text_only", "Hello, world!\n", {}),
    ("print_vars", "{{ a }}|{{ b }}|{{ c }}|{{ d }}|{{ e }}|{{ missing }}|{{ f }}", {"a": "x", "b": 3, "c": 2.5, "d": True, "e": None, "f": [1, "two", None, False, {"k": 1.0}]}),
    ("arith", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 10 - 2.5 }} {{ -x }} {{ 1e3 }} {{ 0.1 + 0.2 }} {{ true + 1 }}", {"x": 4}),
    ("strings_concat", "{{ 'a' + 'b' }}{{ 'n' ~ 1 ~ none ~ true }}{{ 'ab' * 3 }}{{ \"dq\" 'adjacent' }}{{ 'esc\\t\\x41\\u00e9\\n' }}", {}),
    ("compare_logic", "{{ 1 < 2 < 3 }} {{ 1 < 2 > 3 }} {{ 'a' < 'b' }} {{ 1 == 1.0 }} {{ [1,2] == [1,2] }} {{ none == none }} {{ 0 or 'x' }} {{ 1 and 'y' }} {{ not 0 }} {{ '' or none }} {{ 'b' in 'abc' }} {{ 2 not in [1,3] }} {{ 'k' in {'k': 1} }}", {}),
    ("if_elif_else", "{% for v in [0, 1, 2, 3] %}{% if v == 0 %}zero{% elif v == 1 %}one{% elif v is even %}even{% else %}odd{% endif %},{% endfor %}", {}),
    ("for_loop_vars", "{% for x in items %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }}/{{ loop.cycle('a','b') }}{% if not loop.last %};{% endif %}{% endfor %}", {"items": ["p", "q", "r"]}),
    ("for_else_filter", "{% for x in [] %}no{% else %}empty{% endfor %}|{% for x in range(10) if x is odd %}{{ x }}{{ ',' if not loop.last }}{% endfor %}|{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for k in d %}{{ k }}{% endfor %}", {"d": {"z": 1, "a": [2]}}),
    ("loop_prev_next", "{% for x in [1,2,3] %}[{{ loop.previtem | default('-') }}<{{ x }}>{{ loop.nextitem | default('-') }}]{% endfor %}", {}),
    ("scoping", "{% set x = 1 %}{% for i in range(3) %}{{ x }}{% set x = x + 10 %}{{ x }} {% endfor %}{{ x }}|{% if true %}{% set y = 5 %}{% endif %}{{ y }}|{% set ns = namespace(total=0, seen=[]) %}{% for i in range(4) %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}", {}),
    ("break_continue", "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}),
    ("set_block_and_tuple", "{% set a, b = 1, 'two' %}{{ a }}{{ b }}{% set blk %}  inner {{ a }}  {% endset %}[{{ blk }}]{% set t | upper %}shout{% endset %}{{ t }}", {}),
    ("filters_text", "{{ '  pad  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ 'hello world' | upper }}|{{ 'ABC' | lower }}|{{ 'hello WORLD' | capitalize }}|{{ 'hello big-world (x)' | title }}|{{ 'a-b-c' | replace('-', '+') }}|{{ 'aaa' | replace('a', 'b', 2) }}|{{ '<&>\"' | e }}|{{ 'one two  three' | wordcount }}|{{ 'x' | center(5) }}|", {}),
    ("filters_seq", "{{ [3,1,2] | sort }}|{{ [3,1,2] | sort(reverse=true) }}|{{ ['b','A','c'] | sort }}|{{ [1,2,3] | first }}|{{ [1,2,3] | last }}|{{ [1,2,3] | length }}|{{ 'abc' | length }}|{{ [1,2,2,3,1] | unique | list }}|{{ [1,2,3] | reverse | list }}|{{ 'abc' | reverse }}|{{ [1,2,3] | sum }}|{{ [4,9,2] | max }}|{{ [4,9,2] | min }}|{{ 'abc' | list }}|{{ [1,2,3,4,5] | batch(2) | list }}|{{ [1,'a'] | join('-') }}|{{ {'b': 2, 'a': 1} | dictsort }}", {}),
    ("filters_attr", "{{ users | map(attribute='name') | join(', ') }}|{{ users | selectattr('admin') | map(attribute='name') | list }}|{{ users | rejectattr('admin') | list | length }}|{{ users | selectattr('name', 'equalto', 'bob') | first }}|{{ users | sort(attribute='age') | map(attribute='name') | join }}|{{ users | map(attribute='missing', default='?') | join }}|{{ [1,2,3,4] | select('odd') | list }}|{{ [1,2,3,4] | reject('even') | list }}|{{ ['a','b'] | map('upper') | list }}|{{ users | sum(attribute='age') }}|{{ users | map(attribute='tags.0') | list }}", {"users": [{"name": "carol", "age": 41, "admin": True, "tags": ["x"]}, {"name": "bob", "age": 30, "admin": False, "tags": ["y", "z"]}]}),
    ("filters_default_numbers", "{{ missing | default('dflt') }}|{{ '' | default('empty', true) }}|{{ none | default('kept') }}|{{ '42' | int }}|{{ '4.7' | int }}|{{ 'x' | int(7) }}|{{ 3 | float }}|{{ 2.567 | round(2) }}|{{ 2.5 | round }}|{{ 3.5 | round }}|{{ 2.1 | round(0, 'ceil') }}|{{ -3 | abs }}|{{ 5 | string }}{{ 6 | string | length }}|{{ '%s-%d' | format('a', 3) }}|{{ '%05.1f%%' % 3.14159 }}", {}),
    ("tojson", "{{ obj | tojson }}|{{ obj | tojson(indent=2) }}|{{ 'quote\" back\\\\ nl\n tab\t é ✓' | tojson }}|{{ [1, 2.0, none, true] | tojson }}|{{ obj | tojson(sort_keys=true) }}|{{ {} | tojson(indent=2) }}|{{ obj | tojson(separators=(',', ':')) }}", {"obj": {"b": [1, {"c": None}], "a": "x", "f": 1.5}}),
    ("tests", "{{ x is defined }}{{ y is defined }}{{ y is undefined }}{{ n is none }}{{ x is not none }}{{ 'a' is string }}{{ 1 is string }}{{ d is mapping }}{{ l is mapping }}{{ l is sequence }}{{ l is iterable }}{{ 1 is number }}{{ 1.5 is float }}{{ 1 is integer }}{{ true is boolean }}{{ false is false }}{{ true is true }}{{ 6 is divisibleby 3 }}{{ 3 is odd }}{{ 2 is even }}{{ 1 is sameas 1 }}{{ none is sameas none }}{{ 3 is eq 3 }}{{ 3 is ne 3 }}{{ 3 is gt 2 }}{{ 3 is lt 2 }}{{ 2 is in [1,2] }}{{ 'ABC' is upper }}{{ 'abc' is lower }}{{ range is callable }}", {"x": 1, "n": None, "d": {}, "l": []}),
    ("string_methods", "{{ s.upper() }}|{{ s.lower() }}|{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a/b/c'.rsplit('/', 1) }}|{{ 'pre-x'.startswith('pre') }}|{{ 'x.py'.endswith(('.js', '.py')) }}|{{ 'aXbX'.replace('X', '_') }}|{{ 'hello world'.title() }}|{{ 'hello'.capitalize() }}|{{ 'banana'.find('na') }}|{{ 'banana'.rfind('na') }}|{{ 'banana'.count('a') }}|{{ '-'.join(['a','b']) }}|{{ 'l1\\nl2\\r\\nl3'.splitlines() }}|{{ '<think>x</think>answer'.split('</think>')[-1] }}|{{ '\\n\\nok\\n'.lstrip('\\n') }}|{{ '123'.isdigit() }}", {"s": "  MiXed Case  "}),
    ("dict_methods", "{{ d.get('a') }}|{{ d.get('zz', 'dflt') }}|{{ d.get('zz') }}|{{ d.keys() | list }}|{{ d.values() | list }}|{{ d['a'] }}|{{ d.a }}|{{ d.nope is defined }}|{{ d['nested']['k'] }}|{{ d.nested.k }}|{{ d | length }}|{{ d.items() | list }}", {"d": {"a": 1, "nested": {"k": "v"}, "b": None}}),
    ("subscripts_slices", "{{ l[0] }}{{ l[-1] }}{{ l[1:3] }}{{ l[:2] }}{{ l[::2] }}{{ l[::-1] }}{{ s[1:-1] }}{{ s[-3:] }}{{ s[0] }}{{ l.0 }}{{ l[10] is defined }}{{ messages[1:] | length }}", {"l": [10, 20, 30, 40], "s": "héllo✓", "messages": [1, 2, 3]}),
    ("literals", "{{ [1, [2, 3], {'a': (4, 5)}] }}|{{ (1,) }}|{{ () }}|{{ {'x': 1, 'y': [true, none]} }}|{{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1_000 }} {{ 1.5e-3 }} {{ 2.0 }}|{{ True }}{{ False }}{{ None }}", {}),
    ("conditional_expr", "{{ 'yes' if x else 'no' }}|{{ 'a' if not x else 'b' if y else 'c' }}|[{{ 'only' if false }}]|{{ (x if x else 0) + 1 }}", {"x": 0, "y": 1}),
    ("macro", "{% macro greet(name, punct='!') %}Hello {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bo', punct='?') }} {{ greet(name='Cy') }}{% macro rec(n) %}{% if n > 0 %}{{ n }}{{ rec(n - 1) }}{% endif %}{% endmacro %} {{ rec(3) }}", {}),
    ("comments_raw_generation", "a{# comment {{ not rendered }} #}b{% raw %}{{ literally }}{% endraw %}c{% generation %}gen {{ 1 }}{% endgeneration %}{% filter upper %}filtered {{ 'x' }}{% endfilter %}", {}),
    ("ws_dash", "a  {{- ' b ' -}}  c\n  {%- if true -%}\n  d  \n{%- endif -%}  e {#- c -#}  f", {}),
    ("ws_chat_lines", "<s>\n{% for m in messages %}\n    {% if m.role == 'user' %}\n  [U] {{ m.content }}\n    {% else %}\n  [A] {{ m.content }}\n    {% endif %}\n{% endfor %}\n  {{ 'x' }}\n{# comment line #}\nend\n", {"messages": MSGS[1:3]}),
    ("ws_plus", "  {%+ if true %}kept{% endif +%}\nnext\n{%- if true +%}\nX{% endif %}", {}),
    ("raise_exception", "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversation must start with user') }}{% endif %}ok", {"messages": MSGS}),
    ("llama3_style", "{{- bos_token }}{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content'] | trim %}{%- set messages = messages[1:] %}{%- else %}{%- set system_message = '' %}{%- endif %}\n{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' }}{{- system_message }}{{- '<|eot_id|>' }}\n{%- for message in messages %}\n    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n", {"messages": MSGS, "bos_token": "<|begin_of_text|>", "add_generation_prompt": True}),
    ("mistral_style", "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}", {"messages": MSGS[1:], "bos_token": "<s>", "eos_token": "</s>"}),
    ("mistral_style_error", "{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% endfor %}", {"messages": MSGS}),
    ("chatml_tools", "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' %}\n        {{- messages[0]['content'] }}\n    {%- else %}\n        {{- 'You are a helpful assistant.' }}\n    {%- endif %}\n    {{- \"\\n\\n# Tools\\n\\n<tools>\" }}\n    {%- for tool in tools %}\n        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n    {{- \"\\n</tools><|im_end|>\\n\" }}\n{%- endif %}\n{%- for message in messages %}\n    {%- if message.role == 'system' and tools %}{%- continue %}{%- endif %}\n    {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n", {"messages": MSGS, "tools": TOOLS, "add_generation_prompt": True}),
    ("gemma_style", "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}", {"messages": MSGS[1:], "bos_token": "<bos>", "add_generation_prompt": False}),
    ("qwen3_style_reverse", "{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}\n{%- for message in messages[::-1] %}\n    {%- set index = (messages|length - 1) - loop.index0 %}\n    {%- if ns.multi_step_tool and message.role == \"user\" and message.content is string and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}\n        {%- set ns.multi_step_tool = false %}\n        {%- set ns.last_query_index = index %}\n    {%- endif %}\n{%- endfor %}\n{{- ns.last_query_index }}\n{%- for message in messages %}\n    {%- if message.content is string %}{%- set content = message.content %}{%- else %}{%- set content = '' %}{%- endif %}\n    {%- if '</think>' in content %}\n        {%- set reasoning_content = content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}\n        {%- set content = content.split('</think>')[-1].lstrip('\\n') %}\n        {{- '[' + reasoning_content + ']' }}\n    {%- endif %}\n    {{- '<' + message.role + '>' + content }}\n{%- endfor %}", {"messages": [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nA1"}, {"role": "user", "content": "<tool_response>r</tool_response>"}]}),
    ("syntax_error_unclosed", "line one\n{% for x in y %}\n{{ x }}\n", {}),
    ("syntax_error_bad_token", "ok\n  {{ 1 + }}", {}),
    ("syntax_error_unknown_tag", "a\nb {% frobnicate %}", {}),
    ("render_error_type", "{{ 'a' + 1 }}", {}),
    ("render_error_undefined_attr", "{{ missing.attr }}", {}),
    ("render_error_unknown_filter", "{{ 1 | nosuchfilter }}", {}),
]

# ---------------------------------------------------------------------------------------------
# Templates in the style of public Hugging Face chat templates (re-typed for keyscope; they
# exercise the constructs real templates rely on), each run on a tool-using conversation.
TOOL_CHAT = [
    {"role": "system", "content": "You are a weather bot."},
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "C"}}}]},
    {"role": "tool", "content": "{\"temp\": 21}"},
    {"role": "tool", "content": "extra"},
    {"role": "assistant", "content": "It is 21 °C."},
    {"role": "user", "content": "Thanks"},
]

LLAMA31 = """{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message + builtin tools #}
{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
{%- if builtin_tools is defined or tools is not none %}
    {{- "Environment: ipython\\n" }}
{%- endif %}
{%- if builtin_tools is defined %}
    {{- "Tools: " + builtin_tools | reject('equalto', 'code_interpreter') | join(", ") + "\\n\\n"}}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\\n" }}
{{- "Today Date: " + date_string + "\\n\\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions." }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\\n\\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{#- Custom tools are passed in a user message with some extra guidance #}
{%- if tools_in_user_message and not tools is none %}
    {#- Extract the first user message so we can plug it in here #}
    {%- if messages | length != 0 %}
        {%- set first_user_message = messages[0]['content']|trim %}
        {%- set messages = messages[1:] %}
    {%- else %}
        {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
{%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}
    {{- "Given the following functions, please respond with a JSON for a function call " }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\\n\\n" }}
    {%- endfor %}
    {{- first_user_message + "<|eot_id|>"}}
{%- endif %}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if not message.tool_calls|length == 1 %}
            {{- raise_exception("This model only supports single tool-calls at once!") }}
        {%- endif %}
        {%- set tool_call = message.tool_calls[0].function %}
        {%- if builtin_tools is defined and tool_call.name in builtin_tools %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}
            {{- "<|python_tag|>" + tool_call.name + ".call(" }}
            {%- for arg_name, arg_val in tool_call.arguments | items %}
                {{- arg_name + '="' + arg_val + '"' }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- endif %}
                {%- endfor %}
            {{- ")" }}
        {%- else  %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}
            {{- '{"name": "' + tool_call.name + '", ' }}
            {{- '"parameters": ' }}
            {{- tool_call.arguments | tojson }}
            {{- "}" }}
        {%- endif %}
        {%- if builtin_tools is defined %}
            {{- "<|eom_id|>" }}
        {%- else %}
            {{- "<|eot_id|>" }}
        {%- endif %}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\\n\\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
"""

QWEN25_TOOLS = """{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\\n\\n# Tools\\n\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools>\\n\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
    {%- else %}
        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\\n<tool_call>\\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {{- message.content }}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
"""

LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"

ZEPHYR = "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}"

GEMMA3 = """{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '\\n\\n' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\\n\\n' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>\\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\\n'}}
{%- endif -%}
"""

ONEVISION = "{% for message in messages %}{{'<|im_start|>' + message['role'] + ' '}}{# Render all images first #}{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}{{ '<image>' }}{% endfor %}{# Render all video then #}{% for content in message['content'] | selectattr('type', 'equalto', 'video') %}{{ '<video>' }}{% endfor %}{# Render all text next #}{% if message['role'] != 'assistant' %}{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ '\\n' + content['text'] }}{% endfor %}{% else %}{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{% generation %}{{ '\\n' + content['text'] }}{% endgeneration %}{% endfor %}{% endif %}{{'<|im_end|>'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

IDEFICS2 = "{% for message in messages %}{{message['role'].capitalize()}}{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"

MISTRAL_V3 = """{%- if messages[0]["role"] == "system" %}
    {%- set system_message = messages[0]["content"] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}
{%- set user_messages = loop_messages | selectattr("role", "equalto", "user") | list %}

{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}
{%- set ns = namespace() %}
{%- set ns.index = 0 %}
{%- for message in loop_messages %}
    {%- if not (message.role == "tool" or message.role == "tool_results" or (message.tool_calls is defined)) %}
        {%- if (message["role"] == "user") != (ns.index % 2 == 0) %}
            {{- raise_exception("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...") }}
        {%- endif %}
        {%- set ns.index = ns.index + 1 %}
    {%- endif %}
{%- endfor %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message["role"] == "user" %}
        {%- if tools is not none and (message == user_messages[-1]) %}
            {{- "[AVAILABLE_TOOLS] [" }}
            {%- for tool in tools %}
                {%- set tool = tool.function %}
                {{- '{"type": "function", "function": {' }}
                {%- for key, val in tool.items() if key != "return" %}
                    {%- if val is string %}
                        {{- '"' + key + '": "' + val + '"' }}
                    {%- else %}
                        {{- '"' + key + '": ' + val|tojson }}
                    {%- endif %}
                    {%- if not loop.last %}
                        {{- ", " }}
                    {%- endif %}
                {%- endfor %}
                {{- "}}" }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- else %}
                    {{- "]" }}
                {%- endif %}
            {%- endfor %}
            {{- "[/AVAILABLE_TOOLS]" }}
            {%- endif %}
        {%- if loop.last and system_message is defined %}
            {{- "[INST] " + system_message + "\\n\\n" + message["content"] + "[/INST]" }}
        {%- else %}
            {{- "[INST] " + message["content"] + "[/INST]" }}
        {%- endif %}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[TOOL_CALLS] [" }}
        {%- for tool_call in message.tool_calls %}
            {%- set out = tool_call.function|tojson %}
            {{- out[:-1] }}
            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}
                {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
            {%- endif %}
            {{- ', "id": "' + tool_call.id + '"}' }}
            {%- if not loop.last %}
                {{- ", " }}
            {%- else %}
                {{- "]" + eos_token }}
            {%- endif %}
        {%- endfor %}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- elif message["role"] == "tool_results" or message["role"] == "tool" %}
        {%- if message.content is defined and message.content.content is defined %}
            {%- set content = message.content.content %}
        {%- else %}
            {%- set content = message.content %}
        {%- endif %}
        {{- '[TOOL_RESULTS] {"content": ' + content|string + ", " }}
        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}
            {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
        {%- endif %}
        {{- '"call_id": "' + message.tool_call_id + '"}[/TOOL_RESULTS]' }}
    {%- else %}
        {{- raise_exception("Only user and assistant roles are supported, with the exception of an initial optional system message!") }}
    {%- endif %}
{%- endfor %}
"""

MISTRAL_CHAT = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "tool_calls": [{"id": "abc123def", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
    {"role": "tool", "tool_call_id": "abc123def", "content": "21 C"},
    {"role": "assistant", "content": "  It is 21 C.  "},
    {"role": "user", "content": "Thanks"},
]

DEEPSEEK_R1 = "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='', is_first_sp=true) %}{%- for message in messages %}{%- if message['role'] == 'system' %}{%- if ns.is_first_sp %}{% set ns.system_prompt = ns.system_prompt + message['content'] %}{% set ns.is_first_sp = false %}{%- else %}{% set ns.system_prompt = ns.system_prompt + '\\n\\n' + message['content'] %}{%- endif %}{%- endif %}{%- endfor %}{{ bos_token }}{{ ns.system_prompt }}{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}{%- if message['role'] == 'assistant' and 'tool_calls' in message %}{%- set ns.is_tool = false -%}{%- for tool in message['tool_calls'] %}{%- if not ns.is_first %}{%- if message['content'] is none %}{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments']|tojson + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- else %}{{'<｜Assistant｜>' + message['content'] + '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments']|tojson + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- endif %}{%- set ns.is_first = true -%}{%- else %}{{'\\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments']|tojson + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- endif %}{%- endfor %}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}{%- if message['role'] == 'assistant' and 'tool_calls' not in message %}{%- if ns.is_tool %}{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}{%- set ns.is_tool = false -%}{%- else %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endif %}{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}{%- if ns.is_output_first %}{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- set ns.is_output_first = false %}{%- else %}{{'<｜tool▁output_begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- endif %}{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{% endif %}{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜><think>\\n'}}{% endif %}"

DEEPSEEK_CHAT = [
    {"role": "system", "content": "Sys A"},
    {"role": "system", "content": "Sys B"},
    {"role": "user", "content": "Q?"},
    {"role": "assistant", "content": None, "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"x": 1}}}, {"type": "function", "function": {"name": "g", "arguments": {}}}]},
    {"role": "tool", "content": "out1"},
    {"role": "tool", "content": "out2"},
    {"role": "assistant", "content": "<think>reasoning</think>Final"},
]

MM_CHAT = [
    {"role": "system", "content": [{"type": "text", "text": "Sys prompt."}]},
    {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": " What is this? "}]},
    {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
    {"role": "user", "content": [{"type": "text", "text": "Colour?"}, {"type": "image"}]},
]

SPECIAL = {"bos_token": "<s>", "eos_token": "</s>"}
HF_STYLE_CASES = [
    ("hf_llama31_tools", LLAMA31, {**SPECIAL, "messages": TOOL_CHAT, "tools": TOOLS, "add_generation_prompt": True}),
    ("hf_llama31_builtin", LLAMA31, {**SPECIAL, "messages": TOOL_CHAT[:3] + TOOL_CHAT[5:], "tools": None, "builtin_tools": ["get_weather", "code_interpreter", "brave_search"], "date_string": "01 Dec 2026", "add_generation_prompt": False}),
    ("hf_llama31_plain", LLAMA31, {**SPECIAL, "messages": MSGS, "tools": None, "add_generation_prompt": True}),
    ("hf_qwen25_tools", QWEN25_TOOLS, {"messages": TOOL_CHAT, "tools": TOOLS, "add_generation_prompt": True}),
    ("hf_qwen25_plain", QWEN25_TOOLS, {"messages": MSGS[1:], "tools": None, "add_generation_prompt": False}),
    ("hf_llama2", LLAMA2, {**SPECIAL, "messages": MSGS}),
    ("hf_llama2_no_system", LLAMA2, {**SPECIAL, "messages": MSGS[1:]}),
    ("hf_zephyr", ZEPHYR, {**SPECIAL, "messages": MSGS, "add_generation_prompt": True}),
    ("hf_gemma3_mm", GEMMA3, {**SPECIAL, "messages": [MM_CHAT[0], MM_CHAT[1], MM_CHAT[2], MM_CHAT[3]], "add_generation_prompt": True}),
    ("hf_gemma3_strings", GEMMA3, {**SPECIAL, "messages": MSGS[1:], "add_generation_prompt": False}),
    ("hf_onevision", ONEVISION, {"messages": MM_CHAT, "add_generation_prompt": True}),
    ("hf_idefics2", IDEFICS2, {"messages": MM_CHAT[1:], "add_generation_prompt": True}),
    ("hf_mistral_v3_tools", MISTRAL_V3, {**SPECIAL, "messages": MISTRAL_CHAT, "tools": TOOLS}),
    ("hf_mistral_v3_plain", MISTRAL_V3, {**SPECIAL, "messages": MSGS, "tools": None}),
    ("hf_deepseek_r1", DEEPSEEK_R1, {**SPECIAL, "messages": DEEPSEEK_CHAT, "add_generation_prompt": True}),
]
CASES += HF_STYLE_CASES

EDGE_CASES = [
    ("edge_nested_loops", "{% for a in 'xy' %}{% set outer = loop %}{% for b in [1, 2, 3] %}{{ loop.index }}{{ outer.index }}{% endfor %}|{{ loop.index }};{% endfor %}", {}),
    ("edge_numbers", "{{ 1.0 | int }} {{ 10 / 4 }} {{ 3 * 1.5 }} {{ 1e16 }} {{ 2 ** 62 }} {{ 1e-5 }} {{ 123456789.0 }} {{ -0.0 }} {{ 7.0 // 2 }} {{ 7.5 % 2 }} {{ -2 ** 2 }} {{ 5 | float / 2 }}", {}),
    ("edge_format", "{{ '%s|%r|%d|%5s|%-4s|' % (none, 'x', 3.9, 'ab', 'c') }}{{ '%.2f' % 2.345 }}{{ '%i%%' % 50 }}", {}),
    ("edge_undefined", "{{ d['missing'] is none }}{{ d.missing is defined }}{{ [] | first is defined }}{{ none | string }}{{ 'x' if none }}[{{ u }}]{{ u | default('D') }}{{ u | length }}{{ u | list }}{% for x in u %}never{% endfor %}{{ 'a' in u }}", {"d": {}}),
    ("edge_logic_values", "{{ true and 1 or 2 }} {{ 0 and 1 }} {{ none or [] }} {{ 'a' if 2 > 1 else 'b' }} {{ 'a' is in 'abc' }} {{ not none }} {{ [] == [] }} {{ {'a': 1} == {'a': 1} }} {{ (1, 2) == [1, 2] }} {{ 'ab' < 'b' }} {{ [1, 2] < [1, 3] }}", {}),
    ("edge_unicode", "{{ '日本語'[1] }}|{{ '👍🏽' | length }}|{{ 'é' | upper }}|{{ 'ß'.upper() }}|{{ 'Ünïcödé'.lower() }}|{{ 'a\u2028b' | tojson }}|{{ '日本語'[::-1] }}|{{ 'héllo wörld' | title }}|{{ '你好' ~ 1 }}", {}),
    ("edge_indent", "[{{ 'a\\nb\\n\\nc' | indent(2) }}][{{ 'a\\nb' | indent(2, true) }}][{{ 'a\\n\\nb' | indent(2, blank=true) }}][{{ 'x\\ny' | indent('> ') }}]", {}),
    ("edge_sort_join", "{{ [3, 1] | sort | first }} {{ ['b', 'a', 'C'] | sort(reverse=true) | join(',') }} {{ ['b', 'a', 'C'] | sort(case_sensitive=true) | join }} {{ [1, 2, 3] | join }} {{ 'a' ~ [1] }} {{ {'b': 1, 'A': 2} | dictsort | list }} {{ {'b': 1, 'a': 3} | dictsort(by='value', reverse=true) }} {{ ['x', 'X', 'y'] | unique | list }}", {}),
    ("edge_list_ops", "{% set x = [1, 2] %}{% set y = x + [3] %}{{ y }}{{ x[1:] if x else [] }}{{ [0] * 3 }}{{ x | count }}{{ x.index(2) }}{{ x.count(1) }}{{ (x | list)[-1] }}", {}),
    ("edge_ws_lstrip_mix", "A\n    {% if true %}\n\tB\n\t{%- if true %} C{% endif %}\n  {# c #}\n  {{ 'D' }}\n  {%+ if true %}E{% endif %}\n{% raw %}  {{ raw }}\n{% endraw %}\n  {% endif %}\nF", {}),
    ("edge_ws_variable_dash", "x\n  {{- 'a' -}}\n  y {{ 'b' }}   \n{{- 'c' }}", {}),
    ("edge_string_escapes", "{{ 'it\\'s' }}|{{ \"say \\\"hi\\\"\" }}|{{ 'back\\\\slash' }}|{{ 'tab\\there' }}|{{ 'oct\\101' }}|{{ 'unknown \\q esc' }}", {}),
    ("edge_items_loop", "{% for k, v in d | items %}{{ k }}:{{ v }}{% if not loop.last %},{% endif %}{% endfor %}|{% for k, v in d | dictsort %}{{ k }}{% endfor %}|{% for pair in d.items() %}{{ pair[0] }}{% endfor %}", {"d": {"b": 1, "a": 2, "c": 3}}),
    ("edge_selectattr_tests", "{{ msgs | selectattr('role', 'equalto', 'user') | list | length }}{{ msgs | selectattr('tool_calls', 'defined') | list | length }}{{ msgs | rejectattr('content', 'none') | map(attribute='role') | join(',') }}{{ msgs | map(attribute='role') | unique | list }}{{ msgs | selectattr('role', 'in', ['user', 'tool']) | list | length }}", {"msgs": [{"role": "user", "content": "a"}, {"role": "assistant", "content": None, "tool_calls": []}, {"role": "tool", "content": "t"}, {"role": "user", "content": "b"}]}),
    ("edge_math_errors", "{{ 5 // 0 }}", {}),
    ("edge_macro_scope", "{% set g = 'global' %}{% macro m(a, b=g ~ '!') %}{{ a }}-{{ b }}-{{ g }}{% set g = 'local' %}-{{ g }}{% endmacro %}{{ m(1) }}|{{ m(2, 'x') }}|{{ g }}", {}),
    ("edge_call_chain", "{{ 'A,B'.lower().split(',')[1].upper() }}{{ ('x' ~ 'y').upper() }}{{ (msgs | first).role }}{{ msgs[0]['role'][0] }}", {"msgs": [{"role": "user"}]}),
]
CASES += EDGE_CASES

# whitespace-option cases rendered by plain jinja2 environments
WS_TEMPLATE = "<ul>\n  {% for x in xs %}\n    <li>{{ x }}</li>\n  {% endfor %}\n  {# note #}\n</ul>\n"
ENV_CASES = [
    ("env_plain", WS_TEMPLATE, {"xs": [1, 2]}, "plain"),
    ("env_trim_only", WS_TEMPLATE, {"xs": [1, 2]}, "trim"),
    ("env_lstrip_only", WS_TEMPLATE, {"xs": [1, 2]}, "lstrip"),
    ("env_keep_trailing_newline", WS_TEMPLATE, {"xs": [1]}, "keepnl"),
    ("env_crlf", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc\rd\n", {}, "chat"),
]

ENVS = {
    "plain": dict(),
    "trim": dict(trim_blocks=True),
    "lstrip": dict(lstrip_blocks=True),
    "keepnl": dict(keep_trailing_newline=True),
}


def render_case(template, context, env):
    if env == "chat":
        compiled = lambda: _cached_compile_jinja_template(template)
    else:
        compiled = lambda: jinja2.sandbox.ImmutableSandboxedEnvironment(**ENVS[env]).from_string(template)
    try:
        t = compiled()
    except jinja2.TemplateSyntaxError as e:
        return {"error": "syntax", "line": e.lineno}
    try:
        return {"expected": t.render(**context)}
    except jinja2.TemplateError as e:
        kind = "raised" if type(e) is jinja2.TemplateError else "render"
        return {"error": kind, "message": str(e)}
    except Exception as e:  # TypeError etc. surface as render errors
        return {"error": "render", "message": f"{type(e).__name__}: {e}"}


def make_jinja_cases():
    out = []
    for name, template, context in CASES:
        out.append({"name": name, "env": "chat", "template": template, "context": context,
                    **render_case(template, context, "chat")})
    for name, template, context, env in ENV_CASES:
        out.append({"name": name, "env": env, "template": template, "context": context,
                    **render_case(template, context, env)})
    return out


# ---------------------------------------------------------------------------------------------
# Real chat templates on several conversations.
def conversations():
    img = {"type": "image"}
    txt = lambda s: {"type": "text", "text": s}
    return {
        "text_only": [{"role": "user", "content": [txt("What is the capital of France?")]}],
        "one_image": [{"role": "user", "content": [img, txt("What is shown in this image?")]}],
        "image_multi_turn": [
            {"role": "user", "content": [img, txt("Describe the photo.")]},
            {"role": "assistant", "content": [txt("A cat sits on a sofa.")]},
            {"role": "user", "content": [txt("What colour is the cat? 请回答。")]},
        ],
        "system_message": [
            {"role": "system", "content": [txt("You are a careful visual assistant.")]},
            {"role": "user", "content": [img, txt("Count the coins.\nA. 5\nB. 10\nAnswer with the option's letter from the given choices directly.")]},
        ],
        "string_content": [
            {"role": "system", "content": "Plain string system."},
            {"role": "user", "content": "Plain string user."},
        ],
    }


def make_chat_cases(hf):
    from transformers import PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast(tokenizer_file=os.path.join(hf, "llava-1.5-7b-hf", "tokenizer.json"))
    templates = {
        "llava": json.load(open(os.path.join(hf, "llava-1.5-7b-hf", "chat_template.json")))["chat_template"],
        "qwen25vl": json.load(open(os.path.join(hf, "Qwen2.5-VL-7B-Instruct", "chat_template.json")))["chat_template"],
    }
    with open(os.path.join(hf, "llava-1.5-7b-hf", "chat_template.jinja")) as f:
        assert f.read() == templates["llava"], "llava chat_template.jinja differs from chat_template.json"
    for family, src in templates.items():
        with open(os.path.join(OUT, f"{family}_chat_template.jinja"), "w") as f:
            f.write(src)
    # LlavaProcessor.apply_chat_template must agree with the tokenizer path used below.
    from transformers import CLIPImageProcessorPil, LlavaProcessor
    llava_proc = LlavaProcessor(image_processor=CLIPImageProcessorPil(), tokenizer=tok, chat_template=templates["llava"],
                                patch_size=14, vision_feature_select_strategy="default")
    cases = []
    for family, src in templates.items():
        for conv_name, messages in conversations().items():
            if family == "llava" and conv_name == "string_content":
                continue  # the llava template iterates content blocks; strings are not supported by it
            for agp in (False, True):
                rendered = tok.apply_chat_template(messages, chat_template=src, tokenize=False,
                                                   add_generation_prompt=agp)
                if family == "llava":
                    assert rendered == llava_proc.apply_chat_template(messages, tokenize=False, add_generation_prompt=agp)
                cases.append({"family": family, "conversation": conv_name, "messages": messages,
                              "add_generation_prompt": agp, "expected": rendered})
    return cases, templates


# ---------------------------------------------------------------------------------------------
# Prompt-builder references: LLaVA's MMBench question formatting + real templates + byte ranges.
def mmbench_text(question, hint, options, lang):
    text = question if not hint else hint + "\n" + question
    for label, option in options:
        text += "\n" + label + ". " + option
    if options:
        text += "\n" + ("请直接回答选项字母。" if lang == "zh" else "Answer with the option's letter from the given choices directly.")
    return text


def byte_range(s, sub, start=0):
    i = s.index(sub, start)
    return [len(s[:i].encode()), len(s[:i].encode()) + len(sub.encode())]


def token_roles(tok, prompt, image_id, question_bytes):
    """Tokenises `prompt` (special tokens added as the processor does) and gives each token a role:
    image if its id is the image token, question if its first non-whitespace byte lies in the user
    text, else template. Offsets are converted from characters to UTF-8 bytes."""
    enc = tok(prompt, return_offsets_mapping=True)
    to_byte = [0]
    for ch in prompt:
        to_byte.append(to_byte[-1] + len(ch.encode()))
    out = []
    for tid, (a, b) in zip(enc.input_ids, enc.offset_mapping):
        lo, hi = to_byte[a], to_byte[b]
        if tid == image_id:
            role = "image"
        elif lo == hi:
            role = "template"
        else:
            first = next((to_byte[i] for i in range(a, b) if prompt[i] not in " \n\t\r"), lo)
            role = "question" if question_bytes[0] <= first < question_bytes[1] else "template"
        out.append([lo, hi, role])
    return out


def make_prompt_cases(tok_templates):
    from transformers import AutoTokenizer, PreTrainedTokenizerFast
    toks = {
        "llava": PreTrainedTokenizerFast(tokenizer_file=os.path.join(ARGS.hf_metadata, "llava-1.5-7b-hf", "tokenizer.json")),
        # Slow->fast conversion from vocab.json + merges.txt + tokenizer_config.json (the hub tokenizer.json is not stored).
        "qwen25vl": AutoTokenizer.from_pretrained(os.path.join(ARGS.hf_metadata, "Qwen2.5-VL-7B-Instruct")),
    }
    samples = [
        {"id": "open_en", "question": "What is the astronaut holding?", "hint": None, "options": [], "lang": "en"},
        {"id": "mc_en", "question": "Which animal is in the picture?", "hint": None,
         "options": [["A", "dog"], ["B", "cat"], ["C", "horse"], ["D", "bird"]], "lang": "en"},
        {"id": "mc_en_hint", "question": "What is the main colour?", "hint": "Look at the mug.",
         "options": [["A", "red"], ["B", "white"]], "lang": "en"},
        {"id": "mc_zh", "question": "图中是什么动物？", "hint": None,
         "options": [["A", "狗"], ["B", "猫"], ["C", "马"]], "lang": "zh"},
    ]
    out = []
    placeholders = {"llava": "<image>", "qwen25vl": "<|image_pad|>"}
    for family, src in tok_templates.items():
        tok = toks["llava"]
        image_id = toks[family].convert_tokens_to_ids(placeholders[family])
        for s in samples:
            for system in (None, "You are a careful visual assistant."):
                if family == "llava" and system is not None:
                    continue
                text = mmbench_text(s["question"], s["hint"], [tuple(o) for o in s["options"]], s["lang"])
                messages = []
                if system is not None:
                    messages.append({"role": "system", "content": [{"type": "text", "text": system}]})
                messages.append({"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]})
                prompt = tok.apply_chat_template(messages, chat_template=src, tokenize=False, add_generation_prompt=True)
                q = byte_range(prompt, text)
                ph = placeholders[family]
                img = byte_range(prompt, ph)
                n = 5
                expanded = prompt.replace(ph, ph * n)
                out.append({"family": family, "sample": s, "system": system, "user_text": text, "prompt": prompt,
                            "image_bytes": img, "question_bytes": q,
                            "question_part_bytes": byte_range(prompt, s["question"], prompt.index(text)),
                            "expanded_count": n, "expanded_prompt": expanded,
                            "expanded_image_bytes": byte_range(expanded, ph * n),
                            "expanded_question_bytes": byte_range(expanded, text),
                            "expanded_tokens": token_roles(toks[family], expanded, image_id, byte_range(expanded, text))})
                roles = [r for _, _, r in out[-1]["expanded_tokens"]]
                assert roles.count("image") == n, (family, roles)
    return out


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--hf-metadata", default="/work/shared/hf-metadata")
    ARGS = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    jc = make_jinja_cases()
    cc, templates = make_chat_cases(ARGS.hf_metadata)
    pc = make_prompt_cases(templates)
    meta = {"generator": "scripts/make_prompt_fixtures.py", "jinja2": jinja2.__version__,
            "transformers": __import__("transformers").__version__}
    for name, data in (("jinja_cases.json", jc), ("chat_cases.json", cc), ("prompt_cases.json", pc)):
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            json.dump({"meta": meta, "cases": data}, f, ensure_ascii=False, indent=1)
            f.write("\n")
    print(f"{len(jc)} jinja cases, {len(cc)} chat cases, {len(pc)} prompt cases -> {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
