"""Model blocks (SPEC §4): classify, detect and segment with a model of the library, find faces with OpenCV. They
are listed always; without the extra ``nodeloom[inference]`` they fail with what to install."""
