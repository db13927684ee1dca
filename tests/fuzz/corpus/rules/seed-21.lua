nudge.patience{id="pat", when="weekly"}
nudge.milestone{at={"7d","30d"}, streaks={7}, title="yay"}
