"""The audio edition: an issue read aloud to an MP3 with chapters, and the podcast feed of them.

script.py says what is read (pure), spoken.py how words are said (pure), engine.py runs the
text-to-speech command and ffmpeg (the only code here that starts programs), tags.py writes and
reads the MP3's ID3 tags, podcast.py writes the RSS feed.
"""
