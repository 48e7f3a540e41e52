#include "CImageSupport.h"
#include <stdlib.h>
void ks_image_free(void *p) { free(p); }
