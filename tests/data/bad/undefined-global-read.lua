if remind_me_later then print("x") end
