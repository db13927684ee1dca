nudge.gesture{id="g", when="daily", pool={"a","b","c"}, no_repeat=1}
