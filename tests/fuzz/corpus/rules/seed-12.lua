nudge.notify{title="hi", actions={{id="done", label="Done"},{id="skip", label="Skip"}}}
