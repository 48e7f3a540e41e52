// Protocol target; see DESIGN §2.
