"""The estimation-error claims, one module per family: Eq. 9 and the bounded / critical errors
(:mod:`.endpoint`), the inverse-density error (:mod:`.inverse_density`), the accumulated error
(:mod:`.accumulated`), over- and underfitting (:mod:`.fitting`), over the shared numeric study
(:mod:`.study`)."""
