"""The psychophysical experiment of paper section 3.3 and appendix B.4.

People see pairs of one "trivial" image (every histogram run right) and one "impossible"
image (every run wrong) and pick the one they think the networks find harder
(two-alternative forced choice). `pairs` picks the pairs from the difficulty atlas,
`stimuli` exports the images at display size, `page` builds the self-contained browser
experiment, `scoring` reads the subjects' CSV files and scores them.
"""
