#define VK_NO_PROTOTYPES 1
#include <vulkan/vulkan.h>
